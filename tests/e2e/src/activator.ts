// A stand-in for systemd's socket activation, for tests on machines without systemd: it binds the
// socket itself (listening, for stream), keeps it open across server restarts, and starts each
// server the way systemd does: the socket at descriptor 3, LISTEN_FDS=1, LISTEN_FDNAMES, and
// LISTEN_PID set to the server's own pid (a shell sets it to $$, then execs the server in place).
import { chmodSync } from 'node:fs';
import type { SocketTransportName as TransportName } from '@udsipc/protocol';
import { closeDescriptor, openBoundSocket } from '@udsipc/sys';
import { spawnProcess } from '../../../scripts/test-support/process.mjs';
import { SERVER_CLI } from './daemons.js';
import { type JsonServer, jsonServerOf } from './server-process.js';

export interface Activator {
  readonly path: string;
  readonly fd: number;
  /** Starts a udsipc-server on the held socket, with `args` after the activation flags. */
  start(args?: readonly string[], env?: NodeJS.ProcessEnv): Promise<JsonServer>;
  /** Starts it without waiting for it to listen (for a start that must fail). */
  spawn(args?: readonly string[], env?: NodeJS.ProcessEnv): ReturnType<typeof spawnProcess>;
  /** Closes the activator's own descriptor of the socket. */
  close(): void;
}

const EXEC_WITH_OWN_PID = 'LISTEN_PID=$$ exec "$@"';

/** Binds `path` as a ListenStream= or ListenDatagram= unit with SocketMode=`mode` would. */
export function activator(transport: TransportName, path: string, mode = 0o600): Activator {
  const fd = openBoundSocket(path, transport);
  chmodSync(path, mode);
  let open = true;
  const spawn = (args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) =>
    spawnProcess(
      '/bin/sh',
      [
        '-c',
        EXEC_WITH_OWN_PID,
        'sh',
        process.execPath,
        SERVER_CLI,
        '--transport',
        transport,
        '--log-format',
        'json',
        ...args,
      ],
      {
        env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'udsipc', ...env },
        fds: [fd],
        name: 'udsipc-server (activated)',
      },
    );
  return {
    path,
    fd,
    spawn,
    start: (args, env) => jsonServerOf(spawn(args, env), path),
    close() {
      if (open) closeDescriptor(fd);
      open = false;
    },
  };
}
