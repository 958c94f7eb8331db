import { DEFAULT_DATAGRAM_SOCKET_PATH, DEFAULT_STREAM_SOCKET_PATH } from '@udsipc/protocol';

export const USAGE = `Usage: udsipc-server [options]

Serves udsipc requests (ack, echo, ping, stats) on a UNIX socket; with codec auto it also
answers the seed's C clients. Each option can be set in the environment too; a flag wins.

Options (environment variable; default):
  --transport dgram|stream    UDSIPC_TRANSPORT; dgram
      socket type: datagram (SOCK_DGRAM) or stream (SOCK_STREAM)
  --socket PATH               UDSIPC_SOCKET; ${DEFAULT_DATAGRAM_SOCKET_PATH} (dgram),
                              ${DEFAULT_STREAM_SOCKET_PATH} (stream)
      socket path, at most 107 bytes; a relative path is resolved against the working directory
  --codec auto|json|cstring   UDSIPC_CODEC; auto
      wire format accepted; auto answers each message in the format it came in
  --mode MODE                 UDSIPC_MODE; 0600
      socket file mode, octal (0660 lets the socket's group connect)
  --log-level LEVEL           UDSIPC_LOG_LEVEL; info
      fatal, error, warn, info, debug (one line per request), trace or silent
  --log-format pretty|json    UDSIPC_LOG_FORMAT; pretty
      log lines on stdout: readable, or pino's JSON
  --max-connections N         UDSIPC_MAX_CONNECTIONS; 1024
      stream only: open connections allowed; more are closed at once
  --idle-timeout MS           UDSIPC_IDLE_TIMEOUT; 10000
      stream only: a connection holding half a frame this long without new bytes is closed
  -h, --help                  print this help and exit
  -V, --version               print the version and exit

Under systemd (NOTIFY_SOCKET set) it sends READY=1 once listening and STOPPING=1 on shutdown.
SIGTERM or SIGINT: stop taking requests, answer those in flight, remove the socket, exit 0.

Exit status: 0 stopped by a signal; 1 runtime failure (socket in use, permission denied ...);
2 usage or configuration error (unknown option, bad value, path too long).
`;
