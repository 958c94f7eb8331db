import type { RpcClient } from '@udsipc/node';
import { type EchoBenchResult, runEchoBench } from '@udsipc/node';
import { isProtocolError, jsonCodec, PROTOCOL_VERSION } from '@udsipc/protocol';
import { openConnection } from '../connect.js';
import { UsageError } from '../failures.js';
import type { Command } from '../options.js';
import { onAbort } from '../signals.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED } from './context.js';

type BenchCommand = Extract<Command, { name: 'bench' }>;

/**
 * Every request of a run has the same size, so one that cannot be encoded means all would fail:
 * say so once, as a usage error, instead of reporting `count` identical errors.
 */
function checkSizeFits(client: RpcClient, command: BenchCommand): void {
  const longestId = `${client.clientId}:${command.count.toString(36)}`;
  const request = {
    v: PROTOCOL_VERSION,
    id: longestId,
    type: 'echo',
    payload: { text: 'x'.repeat(command.size) },
    // Every request also carries its client's watermark, at most as long as the last counter.
    low: command.count,
  };
  try {
    jsonCodec.encodeRequest(request, { maxBytes: client.transport.maxFrameBytes });
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new UsageError(
      `--size ${command.size} does not fit one ${command.connection.transport} message: ${error.code}: ${error.message}`,
    );
  }
}

/** The documented `--json` result line, fields in this order. */
export function benchJson(result: EchoBenchResult): {
  msgsPerSec: number;
  p50Us: number;
  p99Us: number;
  count: number;
  errors: number;
} {
  return {
    msgsPerSec: result.msgsPerSec,
    p50Us: result.p50Us,
    p99Us: result.p99Us,
    count: result.count,
    errors: result.errors,
  };
}

export function benchLine(command: BenchCommand, result: EchoBenchResult): string {
  const errors = Object.entries(result.errorsByCode)
    .map(([code, count]) => `${code}=${count}`)
    .join(' ');
  return (
    `bench ${command.connection.transport} window=${command.window} size=${command.size}B: ` +
    `${result.count} requests (${result.warmup} warm-up), ${result.msgsPerSec} msgs/s, ` +
    `p50 ${result.p50Us}us, p99 ${result.p99Us}us, max ${result.maxUs}us, ` +
    `${result.errors} errors${errors ? ` (${errors})` : ''}`
  );
}

export async function benchCommand(command: BenchCommand, { out, signals }: CommandContext): Promise<number> {
  const { client } = await openConnection(command.connection);
  const undoForce = onAbort(signals.force, () => void client.close());
  let result: EchoBenchResult;
  try {
    checkSizeFits(client, command);
    result = await runEchoBench(client, {
      window: command.window,
      count: command.count,
      size: command.size,
      signal: signals.stop,
    });
  } finally {
    undoForce();
    await client.close();
  }
  if (out.json) out.record(benchJson(result));
  else out.line(benchLine(command, result));
  return result.errors > 0 ? EXIT_REQUEST_FAILED : EXIT_OK;
}
