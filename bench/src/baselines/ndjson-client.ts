import { once } from 'node:events';
import { createConnection } from 'node:net';
import { ClosedLoop } from '../closed-loop.js';
import type { ClientSpec, PhaseResult } from '../plan.js';
import { LineSplitter } from './line-splitter.js';

interface EchoLine {
  id: number;
  text: string;
}

/**
 * The NDJSON baseline's client: one node:net connection, one JSON line per request
 * (`{"id":N,"text":"xxx…"}`), each reply line parsed. Requests issued together leave in one write.
 */
export async function runNdjsonClient(spec: ClientSpec): Promise<PhaseResult[]> {
  const socket = createConnection(spec.socket);
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  const text = 'x'.repeat(spec.size);
  const splitter = new LineSplitter();
  let nextId = 0;
  let loop: ClosedLoop | undefined;
  let badReplies = 0;
  const onLine = (line: string) => {
    const reply = JSON.parse(line) as EchoLine;
    if (reply.text.length !== text.length) badReplies++;
  };
  socket.on('data', (chunk: string) => {
    const lines = splitter.push(chunk, onLine);
    if (lines > 0) loop?.replied(lines);
  });
  const issue = (count: number) => {
    let out = '';
    for (let i = 0; i < count; i++) out += `${JSON.stringify({ id: nextId++, text })}\n`;
    socket.write(out);
  };
  const results: PhaseResult[] = [];
  for (const phase of spec.phases) {
    loop = new ClosedLoop(phase, issue);
    results.push(await loop.start());
  }
  socket.destroy();
  if (badReplies > 0) throw new Error(`${badReplies} NDJSON replies did not echo the text`);
  return results;
}
