import { connect, createInbox } from 'nats';
import { ClosedLoop } from '../closed-loop.js';
import type { ClientSpec, PhaseResult } from '../plan.js';

/**
 * The raw NATS baseline's client: one nats.js connection, every request the same `size` bytes
 * published to the subject with one inbox as its reply subject, the inbox read by one
 * subscription. nc.request() is not used: per request it arms a timer and (by default) captures a
 * stack for async traces, work a tight client leaves out. One server answers in order on one
 * connection, so replies are matched first-in first-out (ClosedLoop), as the other baselines do.
 */
export async function runRawNatsClient(spec: ClientSpec): Promise<PhaseResult[]> {
  const target = spec.nats;
  if (!target) throw new Error('raw-nats client: no NATS target in its spec');
  const connection = await connect({ servers: target.url, name: `raw-nats bench client ${process.pid}` });
  const inbox = createInbox();
  const frame = new Uint8Array(spec.size).fill(0x78);
  let loop: ClosedLoop | undefined;
  let badReplies = 0;
  connection.subscribe(inbox, {
    callback: (error, message) => {
      // A subscription error leaves the closed loop waiting for replies that never come.
      if (error) {
        process.stderr.write(`raw-nats client: ${error.message}\n`);
        process.exit(1);
      }
      // A no-responders status arrives here too, empty: counted as a bad reply.
      if (message.data.length !== frame.length) badReplies++;
      loop?.replied(1);
    },
  });
  await connection.flush();
  const issue = (count: number) => {
    for (let i = 0; i < count; i++) connection.publish(target.subject, frame, { reply: inbox });
  };
  const results: PhaseResult[] = [];
  try {
    for (const phase of spec.phases) {
      loop = new ClosedLoop(phase, issue);
      results.push(await loop.start());
    }
  } finally {
    await connection.close();
  }
  if (badReplies > 0) throw new Error(`${badReplies} NATS replies were not the size sent`);
  return results;
}
