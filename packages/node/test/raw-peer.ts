import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  decodeJsonReply,
  encodeJson,
  framed,
  isBatch,
  type ReplyEnvelope,
  type TransportName,
  unpackBatch,
} from '@udsipc/protocol';
import { DatagramSocket } from '@udsipc/transport-dgram';

/** A request as a test writes it by hand, `low` included or left out. */
export interface RawRequest {
  id: string;
  type: string;
  payload: unknown;
  low?: number;
}

const LIMITS = { maxBytes: 1 << 24 };

/**
 * A peer that speaks the wire by hand, so a test can do what RpcClient never does: drop a reply,
 * hold its watermark still, resend an old id, send from no address at all.
 */
export class RawPeer {
  readonly replies: ReplyEnvelope[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private datagram: DatagramSocket | undefined;
  private stream: Socket | undefined;

  private constructor(private readonly serverPath: string) {}

  /** `bindIn` unset makes an unbound datagram sender: the server sees no address. */
  static async open(transport: TransportName, serverPath: string, bindIn?: string): Promise<RawPeer> {
    const peer = new RawPeer(serverPath);
    if (transport === 'dgram') {
      const socket = new DatagramSocket((message) => peer.receiveDatagram(message));
      if (bindIn) {
        const failure = socket.bind(join(bindIn, `raw-${Math.random().toString(16).slice(2, 10)}.sock`));
        if (failure) throw new Error(`bind failed: ${failure}`);
      }
      peer.datagram = socket;
      return peer;
    }
    const socket = netConnect(serverPath);
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const length = buffered.readUInt32BE(0);
        peer.accept(buffered.subarray(4, 4 + length));
        buffered = buffered.subarray(4 + length);
      }
    });
    peer.stream = socket;
    return peer;
  }

  private receiveDatagram(message: Buffer): void {
    const frames = isBatch(message) ? (unpackBatch(message) ?? []) : [message];
    for (const frame of frames) this.accept(frame);
  }

  private accept(frame: Buffer): void {
    this.replies.push(decodeJsonReply(frame, LIMITS));
    this.waiters = this.waiters.filter((waiter) => {
      if (this.replies.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Sends one request; a full server queue (datagram) is waited out, never dropped. */
  async send(request: RawRequest): Promise<void> {
    const frame = encodeJson({ v: 1, ...request }, LIMITS);
    if (this.stream) {
      this.stream.write(framed(frame));
      return;
    }
    for (;;) {
      const outcome = this.datagram!.sendTo(frame, this.serverPath);
      if (outcome === 'ok') return;
      if (outcome !== 'EAGAIN') throw new Error(`send failed: ${outcome}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Resolves once `count` replies have arrived in all, however long that takes. */
  waitForReplies(count: number): Promise<void> {
    if (this.replies.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Sends a request and waits for the reply to it. */
  async exchange(request: RawRequest): Promise<ReplyEnvelope> {
    const before = this.replies.length;
    await this.send(request);
    await this.waitForReplies(before + 1);
    return this.replies[before]!;
  }

  close(): void {
    this.datagram?.close();
    this.stream?.destroy();
  }
}
