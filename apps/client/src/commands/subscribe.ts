import type { SubscriptionEvent } from '@udsipc/node';
import { openConnection } from '../connect.js';
import { describeFailure, failureLine } from '../failures.js';
import type { Command } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

/** An event's payload on one line; binary attachments shown by their size. */
function render(payload: unknown): string {
  return JSON.stringify(payload, (_key, value: unknown) =>
    value instanceof Uint8Array ? `<${value.byteLength} bytes>` : value,
  );
}

/**
 * Subscribes and prints events until a signal or `--count`, then unsubscribes and summarises.
 * Exit 1 only if the first subscribe fails; a server that goes away later is waited for.
 */
export async function subscribeCommand(
  command: Extract<Command, { name: 'subscribe' }>,
  { out, signals }: CommandContext,
): Promise<number> {
  const { topic } = command;
  const { client } = await openConnection(command.connection);
  const undoForce = onAbort(signals.force, () => void client.close());
  const done = new AbortController();
  const undoStop = onAbort(signals.stop, () => done.abort());
  const onEvent = (event: SubscriptionEvent) => {
    if (out.json) out.record({ topic, seq: event.seq, epoch: event.epoch, payload: event.payload });
    else out.line(`${topic} #${event.seq} ${render(event.payload)}`);
    if (command.count !== undefined && subscription && subscription.counters.received >= command.count) {
      done.abort();
    }
  };
  const onMissed = (count: number) => {
    if (out.json) out.record({ missed: count, topic });
    else out.line(`missed ${count} events on ${topic}`);
  };
  let subscription: Awaited<ReturnType<typeof client.subscribe>> | undefined;
  try {
    subscription = await client.subscribe(topic, onEvent, { onMissed });
    if (out.json) out.record({ subscribed: topic });
    else out.line(`subscribed to ${topic}`);
    if (!done.signal.aborted) {
      await new Promise<void>((resolve) =>
        done.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    await subscription.close();
  } catch (error) {
    out.error(failureLine(describeFailure(error)));
    return EXIT_REQUEST_FAILED;
  } finally {
    undoStop();
    undoForce();
    await client.close();
  }
  const { received, missed, unaccounted, restarts } = subscription.counters;
  if (out.json) out.record({ summary: { topic, received, missed, unaccounted, restarts } });
  else {
    out.line(
      `subscribe summary: topic=${topic} received=${received} missed=${missed} unaccounted=${unaccounted} restarts=${restarts}`,
    );
  }
  return EXIT_OK;
}
