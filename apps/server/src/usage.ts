import { formatOptionHelp } from '@udsipc/cli-options';
import { SERVER_OPTIONS } from './config.js';

export const USAGE = `Usage: udsipc-server [options]

Serves udsipc requests (ack, echo, ping, stats, describe, subscriptions ...) on a UNIX socket,
or on a NATS subject with --transport nats; with codec auto it also answers the seed's C
clients. Each option can be set in the environment too; a flag wins.

Options (environment variable; default):
${formatOptionHelp(SERVER_OPTIONS, { style: 'stacked', flagWidth: 31 })}

Under systemd (NOTIFY_SOCKET set) it sends READY=1 once listening and STOPPING=1 on shutdown.
SIGTERM or SIGINT: stop taking requests, answer those in flight, remove the socket, exit 0.

Exit status: 0 stopped by a signal; 1 runtime failure (socket in use, permission denied ...);
2 usage or configuration error (unknown option, bad value, path too long).
`;
