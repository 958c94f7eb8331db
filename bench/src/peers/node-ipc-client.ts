import ipc from 'node-ipc';
import { ClosedLoop } from '../closed-loop.js';
import type { ClientSpec, PhaseResult } from '../plan.js';

const SERVER_ID = 'udsipc-bench-server';

/**
 * The node-ipc peer's client: `ipc.connectTo` the server's path, each request an
 * `emit('echo', {id, text})`, each reply an 'echo' event whose text is checked. node-ipc writes
 * every emit at once (its default `sync: false`) and answers in order on the one connection, so
 * replies are matched first-in first-out (ClosedLoop).
 */
export async function runNodeIpcClient(spec: ClientSpec): Promise<PhaseResult[]> {
  ipc.config.id = 'udsipc-bench-client';
  ipc.config.silent = true;
  // The server is listening before a client starts: a few quick retries, then give up.
  ipc.config.retry = 50;
  ipc.config.maxRetries = 20;
  const server = await new Promise<NonNullable<(typeof ipc.of)[string]>>((resolve, reject) => {
    ipc.connectTo(SERVER_ID, spec.socket, () => {
      const connection = ipc.of[SERVER_ID]!;
      connection.on('connect', () => resolve(connection));
      connection.on('destroy', () => reject(new Error(`node-ipc could not connect to ${spec.socket}`)));
    });
  });
  const text = 'x'.repeat(spec.size);
  let nextId = 0;
  let loop: ClosedLoop | undefined;
  let badReplies = 0;
  server.on('echo', (data: unknown) => {
    if ((data as { text?: string } | null)?.text?.length !== text.length) badReplies++;
    loop?.replied(1);
  });
  const issue = (count: number) => {
    for (let i = 0; i < count; i++) server.emit('echo', { id: nextId++, text });
  };
  const results: PhaseResult[] = [];
  try {
    for (const phase of spec.phases) {
      loop = new ClosedLoop(phase, issue);
      results.push(await loop.start());
    }
  } finally {
    ipc.config.maxRetries = 0;
    ipc.disconnect(SERVER_ID);
  }
  if (badReplies > 0) throw new Error(`${badReplies} node-ipc replies did not echo the text`);
  return results;
}
