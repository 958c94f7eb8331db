import { failureClassOf, toUdsipcError, type UdsipcError } from '@udsipc/protocol';
import { benchCommand } from './commands/bench.js';
import { callCommand } from './commands/call.js';
import { type CommandContext, EXIT_OK, EXIT_REQUEST_FAILED, EXIT_USAGE } from './commands/context.js';
import { describeCommand } from './commands/describe.js';
import { pingCommand } from './commands/ping.js';
import { publishCommand } from './commands/publish.js';
import { runCommand } from './commands/run.js';
import { sendCommand } from './commands/send.js';
import { statsCommand } from './commands/stats.js';
import { subscribeCommand } from './commands/subscribe.js';
import { type Command, type Environment, type Invocation, parseInvocation } from './options.js';
import { createOutput, type OutputStreams } from './output.js';
import { watchStopSignals } from './signals.js';
import { commandUsage, mainUsage } from './usage.js';
import { packageVersion } from './version.js';

function dispatch(command: Command, context: CommandContext): Promise<number> {
  switch (command.name) {
    case 'send':
      return sendCommand(command, context);
    case 'run':
      return runCommand(command, context);
    case 'ping':
      return pingCommand(command, context);
    case 'stats':
      return statsCommand(command, context);
    case 'describe':
      return describeCommand(command, context);
    case 'call':
      return callCommand(command, context);
    case 'subscribe':
      return subscribeCommand(command, context);
    case 'publish':
      return publishCommand(command, context);
    case 'bench':
      return benchCommand(command, context);
  }
}

/** The whole CLI, minus process.exit: argv (after the script) and environment in, exit code out. */
/** A bad flag or variable: told as a usage error (exit 2), decided by its code's failure class. */
function isUsageFailure(error: unknown): error is UdsipcError {
  return failureClassOf(toUdsipcError(error).code) === 'usage';
}

export async function main(
  argv: readonly string[],
  env: Environment,
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const usageError = (error: UdsipcError) => {
    streams.stderr.write(`udsipc-client: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_USAGE;
  };
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, env);
  } catch (error) {
    if (isUsageFailure(error)) return usageError(error);
    throw error;
  }
  if (invocation.kind === 'help') {
    streams.stdout.write(invocation.command ? commandUsage(invocation.command) : mainUsage());
    return EXIT_OK;
  }
  if (invocation.kind === 'version') {
    streams.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const signals = watchStopSignals();
  try {
    const out = createOutput(invocation.command.connection.json, streams);
    return await dispatch(invocation.command, { out, signals });
  } catch (error) {
    if (isUsageFailure(error)) return usageError(error);
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    streams.stderr.write(`INTERNAL: ${reason.replace(/\s*\n\s*/g, ' | ')}\n`);
    return EXIT_REQUEST_FAILED;
  } finally {
    signals.dispose();
  }
}
