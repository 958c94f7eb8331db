import { rmSync } from 'node:fs';
import { join } from 'node:path';
import unixDgram from 'unix-dgram';
import { ClosedLoop } from '../closed-loop.js';
import type { ClientSpec, PhaseResult } from '../plan.js';

/**
 * The best raw unix-dgram client: it binds its own reply path and connect()s to the server, so a
 * full server queue (net.unix.max_dgram_qlen) shows as 'congestion' and later 'writable' instead
 * of EAGAIN; sends wait in a queue meanwhile and drain on 'writable' (no resend spin). Every
 * request is the same `size` bytes, so the queue is a count.
 */
export async function runRawDgramClient(spec: ClientSpec): Promise<PhaseResult[]> {
  const replyPath = join(spec.replyDir, `raw-${process.pid}.sock`);
  rmSync(replyPath, { force: true });
  const frame = Buffer.alloc(spec.size, 'x');
  let loop: ClosedLoop | undefined;
  let badReplies = 0;
  const socket = unixDgram.createSocket('unix_dgram', (message) => {
    if (message.length !== frame.length) badReplies++;
    loop?.replied(1);
  });
  socket.on('error', (error: Error) => {
    throw error;
  });
  let congested = false;
  let waiting = 0;
  socket.on('congestion', () => {
    congested = true;
  });
  const drain = () => {
    while (waiting > 0) {
      congested = false;
      socket.send(frame);
      if (congested) return;
      waiting--;
    }
  };
  socket.on('writable', drain);
  socket.bind(replyPath);
  socket.connect(spec.socket);
  const issue = (count: number) => {
    waiting += count;
    // While congested, 'writable' will drain; sending now would only meet the full queue again.
    if (!congested) drain();
  };
  const results: PhaseResult[] = [];
  try {
    for (const phase of spec.phases) {
      loop = new ClosedLoop(phase, issue);
      results.push(await loop.start());
    }
  } finally {
    socket.close();
    rmSync(replyPath, { force: true });
  }
  if (badReplies > 0) throw new Error(`${badReplies} datagram replies were not the size sent`);
  return results;
}
