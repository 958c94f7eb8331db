import { connect as netConnect, type Socket } from 'node:net';
import {
  cstringCodec,
  decodeJsonReply,
  encodeJson,
  frameHeader,
  isBatch,
  unpackBatch,
} from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';
import { ANY, type Expectation, type FuzzMessage, KNOWN_CODES, UNKNOWN_ID } from './fuzz.js';
import { until } from './patience.js';

const OPEN_BRACE = 0x7b;
const CSTRING_RECORD = 1024;

/** One reply as the fuzz suites check it. */
export interface SeenReply {
  wire: 'json' | 'cstring';
  /** JSON replies only. */
  id?: string;
  /** `ok` or the error code. */
  code: string;
  /** The echoed text of an ok reply, when it has one. */
  text?: string;
}

function fromJson(bytes: Buffer): SeenReply {
  const reply = decodeJsonReply(bytes, { maxBytes: 1 << 25 });
  if (!reply.ok) return { wire: 'json', id: reply.id, code: reply.error.code };
  const payload = reply.payload as { text?: unknown };
  return {
    wire: 'json',
    id: reply.id,
    code: 'ok',
    text: typeof payload?.text === 'string' ? payload.text : undefined,
  };
}

/** Decodes whatever a udsipc server sent into a datagram: a JSON reply, a batch of them, or a cstring record. */
export function decodeDatagramReplies(datagram: Buffer): SeenReply[] {
  if (datagram[0] === OPEN_BRACE) return [fromJson(datagram)];
  if (isBatch(datagram)) {
    const frames = unpackBatch(datagram);
    if (frames) return frames.map(fromJson);
  }
  return [fromCString(datagram)];
}

function fromCString(record: Buffer): SeenReply {
  const reply = cstringCodec.decodeReply(record, { maxBytes: CSTRING_RECORD });
  if (!reply.ok) return { wire: 'cstring', code: reply.error.code };
  return { wire: 'cstring', code: 'ok', text: (reply.payload as { text: string }).text };
}

/**
 * How many messages one lane sends: all of them, however long it takes. The last one waits until
 * `mayFinish` holds, so whatever must happen while the fuzz is still going (a well-behaved client
 * being served) happens before the fuzz ends, on a fast machine or a slow one.
 */
export class Budget {
  private remaining: number;
  constructor(
    count: number,
    private readonly mayFinish: () => boolean = () => true,
  ) {
    this.remaining = count;
  }
  take(): boolean {
    if (this.remaining <= 0) return false;
    if (this.remaining === 1 && !this.mayFinish()) return false;
    this.remaining--;
    return true;
  }
  get left(): number {
    return this.remaining;
  }
}

/** Splits `total` messages over `lanes` lanes as evenly as can be, the first ones taking the remainder. */
export function quotas(total: number, lanes: number): number[] {
  const base = Math.floor(total / lanes);
  return Array.from({ length: lanes }, (_, index) => base + (index < total % lanes ? 1 : 0));
}

/** What the fuzz loop needs of a lane, datagram or stream. */
export interface FuzzLane {
  readonly tally: Tally;
  /** Replies still due (and, for a datagram lane, a message held back by congestion). */
  readonly outstanding: number;
  /** Messages of its budget not yet sent. */
  readonly left: number;
  /** Every message sent and answered, or no more can be (its connection was closed). */
  readonly finished: boolean;
  /** Sends what the budget allows now: its last message may have been waiting for the budget's condition. */
  resume(): void;
}

/**
 * Runs lanes until each has sent its whole budget and had every reply, however long that takes.
 * Returns the replies still due: only a lane whose connection the server closed can leave some.
 */
export async function runToEnd(lanes: readonly FuzzLane[], label: string): Promise<number> {
  const outstanding = () => lanes.reduce((sum, lane) => sum + lane.outstanding, 0);
  await until(
    () => {
      for (const lane of lanes) lane.resume();
      return lanes.every((lane) => lane.finished);
    },
    label,
    () => ({
      left: lanes.reduce((sum, lane) => sum + lane.left, 0),
      outstanding: outstanding(),
      replies: lanes.reduce((sum, lane) => sum + lane.tally.replies, 0),
    }),
    50,
  );
  return outstanding();
}

/** What one lane saw: per class sent, per code received, and every mismatch (the first 20 kept). */
export class Tally {
  readonly sentByClass: Record<string, number> = {};
  readonly repliesByCode: Record<string, number> = {};
  readonly mismatches: string[] = [];
  mismatchCount = 0;
  sent = 0;
  /** Replies due: one per request (a batch datagram carries several). */
  expectedReplies = 0;
  replies = 0;

  countSent(cls: string): void {
    this.sent++;
    this.sentByClass[cls] = (this.sentByClass[cls] ?? 0) + 1;
  }

  countReply(code: string): void {
    this.replies++;
    this.repliesByCode[code] = (this.repliesByCode[code] ?? 0) + 1;
  }

  mismatch(text: string): void {
    this.mismatchCount++;
    if (this.mismatches.length < 20) this.mismatches.push(text);
  }

  /** Checks one reply against what its request should have got. */
  check(reply: SeenReply, expected: Expectation, cls: string): void {
    this.countReply(reply.code);
    if (expected.code === ANY) {
      if (!KNOWN_CODES.has(reply.code)) this.mismatch(`${cls}: unknown code ${reply.code}`);
      return;
    }
    if (reply.code !== expected.code) {
      this.mismatch(
        `${cls}: expected ${expected.code} (id ${expected.id}), got ${reply.code} (id ${reply.id})`,
      );
      return;
    }
    if (reply.wire === 'json' && expected.id !== undefined && reply.id !== expected.id) {
      this.mismatch(`${cls}: expected id ${expected.id}, got ${reply.id}`);
    }
    if (expected.echo !== undefined && reply.text !== expected.echo) {
      this.mismatch(`${cls}: echo differs (${JSON.stringify(reply.text)?.slice(0, 40)})`);
    }
  }

  static merge(tallies: readonly Tally[]): Tally {
    const total = new Tally();
    for (const tally of tallies) {
      total.sent += tally.sent;
      total.expectedReplies += tally.expectedReplies;
      total.replies += tally.replies;
      total.mismatchCount += tally.mismatchCount;
      total.mismatches.push(...tally.mismatches.slice(0, 20 - total.mismatches.length));
      for (const [key, value] of Object.entries(tally.sentByClass))
        total.sentByClass[key] = (total.sentByClass[key] ?? 0) + value;
      for (const [key, value] of Object.entries(tally.repliesByCode))
        total.repliesByCode[key] = (total.repliesByCode[key] ?? 0) + value;
    }
    return total;
  }
}

/**
 * A raw datagram peer sending one class of messages with at most `window` unanswered. It is
 * connect()ed to the server, so a full server queue shows as congestion (and a later 'writable'),
 * and the server's replies to it are not limited by its own receive queue. Replies come back in
 * order; those carrying a request id are matched by id, the others in order.
 */
export class DatagramLane implements FuzzLane {
  readonly tally = new Tally();
  private readonly socket: DatagramSocket;
  private readonly byId = new Map<string, { expected: Expectation; cls: string }>();
  private readonly inOrder: Array<{ expected: Expectation; cls: string }> = [];
  private blocked: FuzzMessage | undefined;
  private inFlight = 0;

  constructor(
    private readonly next: () => FuzzMessage,
    replyPath: string,
    serverPath: string,
    private readonly window: number,
    private readonly budget: Budget,
  ) {
    this.socket = new DatagramSocket((message) => this.receive(message));
    const bound = this.socket.bind(replyPath);
    if (bound) throw new Error(`bind ${replyPath}: ${bound}`);
    const connected = this.socket.connect(serverPath);
    if (connected) throw new Error(`connect ${serverPath}: ${connected}`);
    this.socket.onWritable(() => this.pump());
  }

  /** Replies still due, plus a message held back by congestion (it is sent, and answered, later). */
  get outstanding(): number {
    return this.inFlight + (this.blocked ? 1 : 0);
  }

  get left(): number {
    return this.budget.left;
  }

  get finished(): boolean {
    return this.budget.left === 0 && this.outstanding === 0;
  }

  resume(): void {
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.window) {
      const message = this.blocked ?? (this.budget.take() ? this.next() : undefined);
      if (!message) break;
      const outcome = this.socket.send(message.bytes);
      if (outcome === 'congested') {
        this.blocked = message;
        return;
      }
      this.blocked = undefined;
      if (outcome !== 'ok') {
        this.tally.mismatch(`${message.cls}: send failed ${outcome}`);
        continue;
      }
      this.tally.countSent(message.cls);
      for (const expected of message.expects ?? [message.expect]) {
        this.inFlight++;
        this.tally.expectedReplies++;
        const entry = { expected, cls: message.cls };
        const id = expected.id;
        if (expected.code !== ANY && id !== undefined && id !== UNKNOWN_ID) this.byId.set(id, entry);
        else this.inOrder.push(entry);
      }
    }
  }

  private receive(datagram: Buffer): void {
    let replies: SeenReply[];
    try {
      replies = decodeDatagramReplies(datagram);
    } catch (error) {
      this.tally.mismatch(`undecodable reply (${datagram.length} bytes): ${String(error)}`);
      return;
    }
    for (const reply of replies) {
      this.inFlight--;
      const byId = reply.wire === 'json' && reply.id !== undefined ? this.byId.get(reply.id) : undefined;
      if (byId) {
        this.byId.delete(reply.id!);
        this.tally.check(reply, byId.expected, byId.cls);
        continue;
      }
      const entry = this.inOrder.shift();
      if (!entry) {
        this.tally.countReply(reply.code);
        this.tally.mismatch(`reply nobody waits for: ${reply.code} id ${reply.id}`);
        continue;
      }
      this.tally.check(reply, entry.expected, entry.cls);
    }
    this.pump();
  }

  close(): void {
    this.socket.close();
  }
}

/** Cuts a stream into reply frames: 4-byte length + JSON, or 1024-byte cstring records. */
export class ReplyReader {
  private buffered: Buffer = Buffer.alloc(0);
  constructor(private readonly framing: 'json' | 'cstring') {}
  push(chunk: Buffer, onReply: (reply: SeenReply) => void): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    for (;;) {
      if (this.framing === 'cstring') {
        if (this.buffered.length - offset < CSTRING_RECORD) break;
        onReply(fromCString(this.buffered.subarray(offset, offset + CSTRING_RECORD)));
        offset += CSTRING_RECORD;
        continue;
      }
      if (this.buffered.length - offset < 4) break;
      const length = this.buffered.readUInt32BE(offset);
      if (this.buffered.length - offset < 4 + length) break;
      onReply(fromJson(this.buffered.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    this.buffered = this.buffered.subarray(offset);
  }
}

export function connectStream(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A JSON frame: 4-byte big-endian length, then the body. */
export function frame(body: Buffer): Buffer {
  return Buffer.concat([frameHeader(body.length), body]);
}

export function pingFrame(id: string): Buffer {
  return frame(encodeJson({ v: 1, id, type: 'ping', payload: {} }, { maxBytes: 1000 }));
}

/**
 * One stream connection sending mixed hostile frames (or records) with at most `window`
 * unanswered. Replies on a connection come back in order, so every reply, `?` ids included, is
 * matched to the request it answers.
 */
export class StreamLane implements FuzzLane {
  readonly tally = new Tally();
  private readonly pending: Array<{ expected: Expectation; cls: string }> = [];
  private readonly reader: ReplyReader;
  private socket: Socket | undefined;
  closed = false;

  constructor(
    private readonly next: () => FuzzMessage,
    private readonly path: string,
    private readonly framing: 'json' | 'cstring',
    private readonly window: number,
    private readonly budget: Budget,
    private readonly tag: string,
  ) {
    this.reader = new ReplyReader(framing);
  }

  async start(): Promise<void> {
    const socket = await connectStream(this.path);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk, (reply) => {
        const entry = this.pending.shift();
        if (!entry) {
          this.tally.countReply(reply.code);
          this.tally.mismatch(`reply nobody waits for: ${reply.code}`);
          return;
        }
        this.tally.check(reply, entry.expected, entry.cls);
      });
      this.pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
    // The first bytes fix the connection's framing (codec auto): a known-good opener.
    if (this.framing === 'json') {
      socket.write(pingFrame(`${this.tag}:open`));
      this.track('opener', { code: 'ok', id: `${this.tag}:open` });
    } else {
      const record = Buffer.alloc(CSTRING_RECORD);
      record.write('hello');
      socket.write(record);
      this.track('opener', { code: 'ok', echo: 'OK,I got it!' });
    }
    this.pump();
  }

  private track(cls: string, expected: Expectation): void {
    this.tally.countSent(cls);
    this.tally.expectedReplies++;
    this.pending.push({ expected, cls });
  }

  private pump(): void {
    const socket = this.socket;
    if (!socket || this.closed) return;
    while (this.pending.length < this.window && this.budget.take()) {
      const message = this.next();
      socket.write(this.framing === 'json' ? frame(message.bytes) : message.bytes);
      this.track(message.cls, message.expect);
    }
  }

  resume(): void {
    this.pump();
  }

  get outstanding(): number {
    return this.pending.length;
  }

  get left(): number {
    return this.budget.left;
  }

  get finished(): boolean {
    return this.closed || (this.budget.left === 0 && this.pending.length === 0);
  }

  close(): void {
    this.socket?.destroy();
  }
}
