#!/usr/bin/env node
import { writeSync } from 'node:fs';
import { type ActivatedSocket, activatedSocket, forgetActivation } from '@udsipc/core';
import { createServer, type UdsipcServer } from '@udsipc/node';
import { type Invocation, parseConfig } from './config.js';
import { classifyFailure, ExitCode, failureLine } from './exit-codes.js';
import { createLogger } from './logger.js';
import { handleQuiesceSignal } from './quiesce-toggle.js';
import { notifySystemd } from './systemd-notify.js';
import { USAGE } from './usage.js';
import { VERSION } from './version.js';

const PROGRAM = 'udsipc-server';
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Written with writeSync so the line is out before process.exit, whatever stderr is. */
function fail(error: unknown): never {
  const failure = classifyFailure(error);
  writeSync(2, failureLine(PROGRAM, failure));
  process.exit(failure.exitCode);
}

/** Resolves with the first SIGTERM/SIGINT; later ones are ignored while the first is being honoured. */
function shutdownRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => resolve(signal));
  });
}

async function serve(invocation: Extract<Invocation, { action: 'run' }>): Promise<never> {
  const { config } = invocation;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Handlers go in before binding, so a signal that arrives during start still ends in a clean stop.
  const stopSignal = shutdownRequested();
  let server: UdsipcServer;
  let activation: ActivatedSocket | undefined;
  try {
    // Socket activation (systemd's LISTEN_FDS): serve the socket passed at fd 3 instead of binding.
    activation = activatedSocket(process.env);
    forgetActivation();
    server = createServer({
      transport: config.transport,
      // An activated socket is checked against --socket only if one was given.
      socket: activation && !config.socketGiven ? undefined : config.socket,
      ...(activation ? { listenFd: activation.fd } : {}),
      codec: config.codec,
      natsUrl: config.natsUrl,
      subject: config.subject,
      mode: config.mode,
      version: VERSION,
      maxConnections: config.maxConnections,
      idleTimeoutMs: config.idleTimeoutMs,
      ...(config.allowUids || config.allowGids
        ? { access: { uids: config.allowUids ?? [], gids: config.allowGids ?? [] } }
        : {}),
      logger,
    });
    await server.start();
  } catch (error) {
    fail(error);
  }
  process.on('uncaughtException', (error) => {
    logger.error({ event: 'crash', err: error }, 'uncaught exception');
    fail(error);
  });
  if (activation) {
    logger.info(
      { event: 'socket-activated', fd: activation.fd, name: activation.name, path: server.path },
      'serving the socket passed by the activator: it is never unlinked, and queues while the server restarts',
    );
  }
  handleQuiesceSignal(server, logger, fail);
  notifySystemd(`READY=1\nSTATUS=serving ${config.transport} on ${server.path}`, process.env, logger);

  const signal = await stopSignal;
  logger.info({ event: 'stopping', signal }, 'stopping: answering requests in flight');
  notifySystemd('STOPPING=1', process.env, logger);
  await server.stop();
  process.exit(ExitCode.OK);
}

function main(argv: readonly string[]): void {
  let invocation: Invocation;
  try {
    invocation = parseConfig(argv, process.env);
  } catch (error) {
    fail(error);
  }
  if (invocation.action === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (invocation.action === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  serve(invocation).catch(fail);
}

main(process.argv.slice(2));
