import { Dealer } from 'zeromq';
import { ClosedLoop } from '../closed-loop.js';
import type { ClientSpec, PhaseResult } from '../plan.js';

interface EchoMessage {
  id: number;
  text: string;
}

/**
 * The zeromq peer's client: one Dealer connected to `ipc://<path>`, one JSON message a request
 * (`{"id":N,"text":"xxx…"}`), every reply parsed. zeromq.js allows one send in progress at a
 * time, so requests issued together are sent one after another from a queue; the Router answers
 * in order on the one connection, so replies are matched first-in first-out (ClosedLoop).
 */
export async function runZeromqClient(spec: ClientSpec): Promise<PhaseResult[]> {
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(`ipc://${spec.socket}`);
  const text = 'x'.repeat(spec.size);
  let nextId = 0;
  let waiting = 0;
  let sending = false;
  let loop: ClosedLoop | undefined;
  let badReplies = 0;
  // A send or receive that fails leaves the closed loop waiting for replies that never come.
  const fail = (error: unknown) => {
    process.stderr.write(`zeromq client: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  };

  const sendWaiting = async () => {
    sending = true;
    try {
      while (waiting > 0) {
        waiting--;
        await dealer.send(JSON.stringify({ id: nextId++, text }));
      }
    } catch (error) {
      fail(error);
    } finally {
      sending = false;
    }
  };
  const issue = (count: number) => {
    waiting += count;
    if (!sending) void sendWaiting();
  };
  const receive = async () => {
    for await (const [reply] of dealer) {
      const message = JSON.parse(reply?.toString('utf8') ?? 'null') as EchoMessage | null;
      if (message?.text.length !== text.length) badReplies++;
      loop?.replied(1);
    }
  };
  let closing = false;
  const receiving = receive().catch((error: unknown) => {
    if (!closing) fail(error);
  });

  const results: PhaseResult[] = [];
  try {
    for (const phase of spec.phases) {
      loop = new ClosedLoop(phase, issue);
      results.push(await loop.start());
    }
  } finally {
    closing = true;
    dealer.close();
    await receiving;
  }
  if (badReplies > 0) throw new Error(`${badReplies} zeromq replies did not echo the text`);
  return results;
}
