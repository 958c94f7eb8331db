import { connectClient } from '@udsipc/node';
import type { NatsTarget } from './plan.js';
import { type Child, isRunning } from './processes.js';

const PING_TIMEOUT_MS = 250;

/**
 * Resolves once the udsipc-server behind `target` answers a ping. A NATS server has no socket to
 * watch, and at --log-level warn the daemon says nothing when it is up; its ping is the first
 * request it can answer. Until it subscribes, NATS answers "no responders" and the client resends.
 */
export async function waitForUdsipcNats(
  server: Child,
  target: NatsTarget,
  timeoutMs = 10_000,
): Promise<void> {
  const client = await connectClient({
    transport: 'nats',
    natsUrl: target.url,
    subject: target.subject,
    timeoutMs: PING_TIMEOUT_MS,
    retries: Math.ceil(timeoutMs / PING_TIMEOUT_MS),
  });
  try {
    // Promise.race handles both sides, so the loser's later rejection goes nowhere.
    const outcome = await Promise.race([
      client.request('ping', { sentAt: Date.now() }).then(
        () => 'answered' as const,
        (error: unknown) => {
          throw new Error(
            `${server.name}: no answer to a ping on ${target.subject}: ${(error as Error).message}`,
          );
        },
      ),
      server.exited.then(() => 'exited' as const),
    ]);
    if (outcome === 'exited' || !isRunning(server)) {
      throw new Error(`${server.name} exited before answering: ${server.stderr().trim().slice(-1000)}`);
    }
  } finally {
    await client.close();
  }
}

/** Resolves once a worker server has printed its "ready" line (it prints it once subscribed). */
export async function waitForReadyLine(server: Child, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/^"ready"$/m.test(server.stdout())) {
    if (!isRunning(server)) {
      throw new Error(`${server.name} exited before it was ready: ${server.stderr().trim().slice(-1000)}`);
    }
    if (Date.now() > deadline) throw new Error(`${server.name}: not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
