import { elapsedUs } from '@udsipc/node';
import { isProtocolError } from '@udsipc/protocol';
import { openConnection } from '../connect.js';
import { describeFailure, failureJson, failureLine, requestOf } from '../failures.js';
import type { Command } from '../options.js';
import type { Output } from '../output.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

type RunCommand = Extract<Command, { name: 'run' }>;

/** The seed client's own words, with its name for the socket type (and NATS's own). */
function seedLabel(transport: RunCommand['connection']['transport']): string {
  return transport === 'stream' ? 'TCP' : transport === 'nats' ? 'NATS' : 'UDP';
}

interface Reporter {
  replied(
    seq: number,
    id: string | undefined,
    reply: { text: string },
    rttUs: number,
    attempts: number,
  ): void;
  failed(seq: number, id: string | undefined, error: unknown, rttUs: number, attempts: number): void;
}

function reporter(out: Output, label: string): Reporter {
  if (out.json) {
    return {
      replied: (seq, id, reply, rttUs, attempts) =>
        out.record({ seq, id, reply, rttUs: Math.round(rttUs), attempts }),
      failed: (seq, id, error, rttUs, attempts) => {
        const failure = describeFailure(error);
        out.record({ seq, id, error: failureJson(failure), rttUs: Math.round(rttUs), attempts });
      },
    };
  }
  return {
    replied: (_seq, _id, reply) => out.line(`I'm Unix socket(${label}) client, receive a msg: ${reply.text}`),
    failed: (seq, _id, error) => out.error(`${failureLine(describeFailure(error))} (request ${seq})`),
  };
}

/**
 * Sends one ack every interval WITHOUT waiting for earlier replies: each request lives on its own,
 * with its own timeout and resends, so while a server is frozen, checkpointed or restarting the
 * requests pile up in flight and are all answered once it is back. Replies print as they arrive.
 */
export async function runCommand(command: RunCommand, { out, signals }: CommandContext): Promise<number> {
  const { client } = await openConnection(command.connection);
  const report = reporter(out, seedLabel(command.connection.transport));
  const payload = { text: command.message };
  let seq = 0;
  let inFlight = 0;
  let refused = false;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let finished!: () => void;
  const allSettled = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const stop = () => {
    stopping = true;
    clearInterval(timer);
    if (inFlight === 0) finished();
  };

  const settle = () => {
    inFlight--;
    if (stopping && inFlight === 0) finished();
  };

  const fire = () => {
    if (stopping) return;
    const mySeq = ++seq;
    const started = process.hrtime.bigint();
    inFlight++;
    client.exchange('ack', payload).then(
      ({ id, attempts, payload: reply }) => {
        report.replied(mySeq, id, reply, elapsedUs(started, process.hrtime.bigint()), attempts);
        settle();
      },
      (error: unknown) => {
        const { id, attempts } = requestOf(error);
        // Refused before sending (the message cannot be encoded): every later one would be too.
        if (id === undefined && isProtocolError(error)) {
          refused = true;
          stop();
        }
        report.failed(mySeq, id, error, elapsedUs(started, process.hrtime.bigint()), attempts);
        settle();
      },
    );
    if (command.count !== undefined && seq >= command.count) stop();
  };

  const undoStop = onAbort(signals.stop, stop);
  // The second signal gives up on what is in flight: closing fails it at once as CLOSED.
  const undoForce = onAbort(signals.force, () => void client.close());
  if (!signals.stop.aborted) {
    timer = setInterval(fire, command.intervalMs);
    fire();
  }
  await allSettled;
  undoStop();
  undoForce();
  const { sent, replied, failed, retried } = client.counters;
  await client.close();
  if (out.json) out.record({ summary: { sent, replied, failed, retried } });
  else out.line(`summary: sent ${sent}, replied ${replied}, failed ${failed}, retried ${retried}`);
  return failed > 0 || refused ? EXIT_REQUEST_FAILED : EXIT_OK;
}
