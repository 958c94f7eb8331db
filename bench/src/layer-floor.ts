import {
  type ClientTransport,
  type FrameListener,
  type LinkFailureListener,
  RpcClient,
  RpcServer,
  type ServerPeer,
  type ServerTransport,
} from '@udsipc/core';
import { builtinHandlers } from '@udsipc/node';
import { createRequestIdGenerator, type Frame, flatFrame, jsonCodec } from '@udsipc/protocol';

/**
 * The layer floor: what udsipc's request/reply layer costs with no socket under it, in one process.
 * The pipelined rows with 64 in flight are bound by the CPU of the processes added up (2 vCPUs), so
 * no transport, however fast, brings udsipc's per-message cost below this; the figure beside it is
 * the JSON work of the NDJSON baseline (its line parsed and written again on each side), which is
 * all that baseline does per message besides its sockets.
 *
 * Real parts only: RpcServer with the daemon's own echo handler, RpcClient, the JSON codec. What
 * stands in for a socket hands each frame over within the process: the server's replies a
 * microtask later, as a socket's would come back in a later callback.
 */

export interface LayerSpec {
  /** Echo text bytes. */
  size: number;
  /** Requests measured in each part, after as many again to warm up. */
  count: number;
}

export interface LayerSample {
  size: number;
  /** CPU µs a request, the server's layer alone: decode, replay memory, validation, handler, encode. */
  serverUs: number;
  /** CPU µs a request, client and server layers together, 64 requests in flight. */
  pairUs: number;
  /** CPU µs a message of the NDJSON baseline's server: JSON.parse of its line, JSON.stringify back. */
  ndjsonServerUs: number;
  /** The same, both sides: the client's line written and the reply's parsed, plus the server's. */
  ndjsonPairUs: number;
}

const WINDOW = 64;
const MAX_FRAME_BYTES = 1024 * 1024;

/** CPU µs (user + system) this process spent since `before`. */
function cpuSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/** CPU µs spent by `work`, which must settle once all its requests are answered. */
async function cpuUs(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  return cpuSince(before);
}

/** A server transport that is no socket: RpcServer's frames are handed in by the measuring code. */
class InProcessServerTransport implements ServerTransport {
  readonly kind = 'stream' as const;
  readonly path = 'in-process';
  readonly codec = 'json' as const;
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  onFrame: FrameListener | undefined;

  async listen(onFrame: FrameListener): Promise<void> {
    this.onFrame = onFrame;
  }
  stopTaking(): void {}
  async quiesce(): Promise<void> {}
  async resume(): Promise<void> {}
  pendingReplies(): number {
    return 0;
  }
  openConnections(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

/** A client transport whose frames go straight to `server`; replies come back a microtask later. */
class InProcessClientTransport implements ClientTransport {
  readonly kind = 'stream' as const;
  readonly codec = jsonCodec;
  readonly maxFrameBytes = MAX_FRAME_BYTES;
  private onFrame: (frame: Buffer) => void = () => {};
  private readonly peer: ServerPeer = {
    id: 'in-process:client',
    caller: undefined,
    send: (frame: Frame) => {
      const bytes = flatFrame(frame);
      queueMicrotask(() => this.onFrame(bytes));
    },
    offer: () => false,
  };

  constructor(private readonly server: InProcessServerTransport) {}

  async open(onFrame: (frame: Buffer) => void, _onLinkFailure: LinkFailureListener): Promise<void> {
    this.onFrame = onFrame;
  }

  send = (frame: Frame): string | undefined => {
    this.server.onFrame?.(flatFrame(frame), jsonCodec, this.peer);
    return undefined;
  };

  async close(): Promise<void> {}
}

async function startServer(): Promise<{ server: RpcServer; transport: InProcessServerTransport }> {
  const transport = new InProcessServerTransport();
  const server = new RpcServer({ transport });
  const handlers = builtinHandlers({ uptimeMs: () => server.uptimeMs, stats: () => server.stats() });
  server.handle('echo', handlers.echo);
  await server.start();
  return { server, transport };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Stops the server after checking it ran the echo handler once for each of `requests` and answered
 * none with an error: an error path measured instead of the echo would be a floor of nothing.
 */
async function stopChecked(server: RpcServer, requests: number): Promise<void> {
  const { executed, replies, errorsByCode } = server.stats();
  await server.stop();
  const errors = Object.entries(errorsByCode);
  if (executed !== requests || replies !== requests || errors.length > 0) {
    throw new Error(
      `layer floor: ${executed} executions and ${replies} replies for ${requests} requests` +
        (errors.length > 0 ? `, errors ${JSON.stringify(Object.fromEntries(errors))}` : ''),
    );
  }
}

/**
 * The server's layer alone: requests of one client, encoded beforehand, handed in 64 at a time (one
 * turn of the event loop each, as a read of a full window would), every reply counted.
 */
async function serverLayerUs(text: string, count: number): Promise<number> {
  const { server, transport } = await startServer();
  let replies = 0;
  const peer: ServerPeer = {
    id: 'in-process:bench',
    caller: undefined,
    send: () => {
      replies++;
    },
    offer: () => false,
  };
  const nextId = createRequestIdGenerator();
  const encode = (low: number): Buffer =>
    jsonCodec.encodeRequest(
      { v: 1, id: nextId(), type: 'echo', payload: { text }, low },
      { maxBytes: MAX_FRAME_BYTES },
    );
  const feed = async (frames: Buffer[]) => {
    for (let start = 0; start < frames.length; start += WINDOW) {
      for (let index = start; index < Math.min(start + WINDOW, frames.length); index++) {
        transport.onFrame?.(frames[index]!, jsonCodec, peer);
      }
      await turn();
    }
  };
  // The watermark (`low`) is the first request of the window: every earlier one has been answered.
  const window = (offset: number) =>
    Array.from({ length: count }, (_, index) => encode(offset + index - (index % WINDOW) + 1));
  await feed(window(0));
  const measured = window(count);
  const used = await cpuUs(() => feed(measured));
  await stopChecked(server, 2 * count);
  if (replies !== 2 * count)
    throw new Error(`layer floor: ${replies} replies reached the peer, not ${2 * count}`);
  return used / count;
}

/** Client and server layers together: a closed loop of 64 echoes in flight, every reply checked. */
async function pairLayerUs(text: string, count: number): Promise<number> {
  const { server, transport } = await startServer();
  const client = new RpcClient({ transport: new InProcessClientTransport(transport) });
  await client.open();
  const loop = (total: number) =>
    new Promise<void>((resolve, reject) => {
      let issued = 0;
      let answered = 0;
      const issue = () => {
        issued++;
        client.request('echo', { text }).then((reply) => {
          if (reply.text.length !== text.length)
            reject(new Error('layer floor: a reply did not echo its text'));
          else if (++answered === total) resolve();
          else if (issued < total) issue();
        }, reject);
      };
      for (let index = 0; index < Math.min(WINDOW, total); index++) issue();
    });
  await loop(count);
  const used = await cpuUs(() => loop(count));
  await client.close();
  await stopChecked(server, 2 * count);
  return used / count;
}

/** The NDJSON baseline's JSON work per message, as its server and client do it (ndjson-*.ts). */
function ndjsonUs(text: string, count: number): { server: number; pair: number } {
  const lines = Array.from({ length: count }, (_, id) => JSON.stringify({ id, text }));
  let sink = 0;
  const server = () => {
    for (const line of lines) sink += JSON.stringify(JSON.parse(line) as unknown).length;
  };
  const pair = () => {
    for (let id = 0; id < count; id++) {
      const line = JSON.stringify({ id, text });
      const echoed = JSON.stringify(JSON.parse(line) as unknown);
      sink += (JSON.parse(echoed) as { text: string }).text.length;
    }
  };
  server();
  pair();
  const time = (work: () => void) => {
    const before = process.cpuUsage();
    work();
    return cpuSince(before) / count;
  };
  const figures = { server: time(server), pair: time(pair) };
  if (sink === 0) throw new Error('layer floor: the NDJSON lines were empty');
  return figures;
}

export async function runLayerFloor(spec: LayerSpec): Promise<LayerSample> {
  const text = 'x'.repeat(spec.size);
  const serverUs = await serverLayerUs(text, spec.count);
  const pairUs = await pairLayerUs(text, spec.count);
  const ndjson = ndjsonUs(text, spec.count);
  return {
    size: spec.size,
    serverUs,
    pairUs,
    ndjsonServerUs: ndjson.server,
    ndjsonPairUs: ndjson.pair,
  };
}
