import {
  idList,
  integerIn,
  NATS_OPTIONS,
  type OptionTable,
  switchOption,
  valueOption,
} from '@udsipc/cli-options';
import { REQUEST_DEFAULTS, SERVER_DEFAULTS } from '@udsipc/node';
import {
  ACK_TEXT,
  DEFAULT_DATAGRAM_SOCKET_PATH,
  DEFAULT_STREAM_SOCKET_PATH,
  TRANSPORT_NAMES,
} from '@udsipc/protocol';
import { z } from 'zod';

export const COMMAND_NAMES = [
  'send',
  'run',
  'ping',
  'stats',
  'describe',
  'call',
  'subscribe',
  'publish',
  'bench',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The wire formats a client can speak; `auto` only makes sense for a server. */
export const CLIENT_CODECS = ['json', 'cstring'] as const;
export type ClientCodec = (typeof CLIENT_CODECS)[number];

export const SEND_TYPES = ['ack', 'echo'] as const;
export type SendType = (typeof SEND_TYPES)[number];

/** setTimeout's ceiling: longer delays fire at once. */
const MAX_DELAY_MS = 2_147_483_647;
/** The datagram client queues at most 4096 frames while the server's queue is full. */
export const MAX_BENCH_WINDOW = 4_096;
/** Bench keeps one latency sample per request in memory. */
const MAX_BENCH_COUNT = 10_000_000;

/** Where and how to reach the server: every command takes these. */
export const CONNECTION_OPTIONS = {
  transport: valueOption({
    flag: '--transport',
    env: 'UDSIPC_TRANSPORT',
    metavar: TRANSPORT_NAMES.join('|'),
    schema: z.enum(TRANSPORT_NAMES),
    // Unset on both sides, a client looks where a server listens.
    default: SERVER_DEFAULTS.transport,
    help: 'socket type, or nats (a NATS subject)',
  }),
  ...NATS_OPTIONS,
  socket: valueOption({
    flag: '--socket',
    env: 'UDSIPC_SOCKET',
    metavar: 'PATH',
    // Checked once known as a path, by the protocol's own rule (see options.ts).
    schema: z.string(),
    defaultNote: `${DEFAULT_DATAGRAM_SOCKET_PATH},\nor ${DEFAULT_STREAM_SOCKET_PATH} for stream`,
    help: 'server socket',
  }),
  codec: valueOption({
    flag: '--codec',
    env: 'UDSIPC_CODEC',
    metavar: CLIENT_CODECS.join('|'),
    schema: z.enum(CLIENT_CODECS),
    default: 'json',
    help: "wire format ({default}); cstring is the seed's\n1024-byte record, for send and run only",
  }),
  timeoutMs: valueOption({
    flag: '--timeout',
    env: 'UDSIPC_TIMEOUT',
    metavar: 'MS',
    schema: integerIn(1, MAX_DELAY_MS),
    default: REQUEST_DEFAULTS.timeoutMs,
    help: 'wait per attempt before resending',
  }),
  retries: valueOption({
    flag: '--retries',
    env: 'UDSIPC_RETRIES',
    metavar: 'N',
    schema: integerIn(0, 1_000_000),
    default: REQUEST_DEFAULTS.retries,
    help: 'resends, same request id, before failing',
  }),
  deadlineMs: valueOption({
    flag: '--deadline',
    env: 'UDSIPC_DEADLINE',
    metavar: 'MS',
    schema: integerIn(1, MAX_DELAY_MS),
    defaultNote: '(retries + 1) x timeout',
    help: 'give up on a request this long after it is made; the\nserver does not start it after that (DEADLINE_EXCEEDED)',
  }),
  replyDirectory: valueOption({
    flag: '--reply-dir',
    env: 'UDSIPC_REPLY_DIR',
    metavar: 'DIR',
    schema: z.string(),
    // Unset, the transport picks the protocol's per-user directory.
    defaultNote: '$XDG_RUNTIME_DIR/udsipc, else a private /tmp/udsipc-<uid>-XXXXXX',
    help: 'directory of the datagram reply socket\n({default})',
  }),
  serverUids: valueOption({
    flag: '--server-uid',
    env: 'UDSIPC_SERVER_UID',
    metavar: 'LIST',
    schema: idList('user'),
    // Unset: root and the user running the client, as the transport's own default.
    defaultNote: 'root and your own user',
    help: 'talk only to a server owned by one of these users\n(names or ids, comma-separated; {default})',
  }),
  serverGids: valueOption({
    flag: '--server-gid',
    env: 'UDSIPC_SERVER_GID',
    metavar: 'LIST',
    schema: idList('group'),
    defaultNote: 'none',
    help: 'also trust a server whose group is one of these\n({default})',
  }),
  json: switchOption({ flag: '--json', help: 'machine-readable output: one JSON object per line' }),
  help: switchOption({ flag: '--help', short: 'h', help: 'print this help and exit' }),
};

/** Each command's own options, beside the connection options. */
export const COMMAND_OPTIONS = {
  send: {
    type: valueOption({
      flag: '--type',
      metavar: SEND_TYPES.join('|'),
      schema: z.enum(SEND_TYPES),
      default: 'ack',
      help: `ack answers ${JSON.stringify(ACK_TEXT)} like the seed server, echo answers TEXT\n({default}; cstring sends ack only)`,
    }),
  },
  run: {
    intervalMs: valueOption({
      flag: '--interval',
      env: 'UDSIPC_INTERVAL',
      metavar: 'MS',
      schema: integerIn(1, MAX_DELAY_MS),
      default: 1_000,
      help: 'send one request every MS, never waiting for the\nprevious reply',
    }),
    message: valueOption({
      flag: '--message',
      env: 'UDSIPC_MESSAGE',
      metavar: 'TEXT',
      schema: z.string(),
      // The seed client's own message.
      default: 'How are you !!!',
      showDefault: (text) => JSON.stringify(text),
      help: 'text of each ack request',
    }),
    count: valueOption({
      flag: '--count',
      metavar: 'N',
      schema: integerIn(1, Number.MAX_SAFE_INTEGER),
      help: 'stop after N requests (default: until SIGTERM/SIGINT)',
    }),
  },
  ping: {
    count: valueOption({
      flag: '--count',
      metavar: 'N',
      schema: integerIn(1, 1_000_000_000),
      default: 5,
      help: 'pings to send, one at a time',
    }),
    intervalMs: valueOption({
      flag: '--interval',
      metavar: 'MS',
      schema: integerIn(0, MAX_DELAY_MS),
      default: 200,
      help: 'pause between pings',
    }),
  },
  stats: {},
  describe: {},
  call: {},
  subscribe: {
    count: valueOption({
      flag: '--count',
      metavar: 'N',
      schema: integerIn(1, Number.MAX_SAFE_INTEGER),
      help: 'stop after N events received (default: until SIGTERM/SIGINT)',
    }),
  },
  publish: {},
  bench: {
    window: valueOption({
      flag: '--window',
      metavar: 'N',
      schema: integerIn(1, MAX_BENCH_WINDOW),
      default: 32,
      help: `requests in flight at once ({default}, at most ${MAX_BENCH_WINDOW})`,
    }),
    count: valueOption({
      flag: '--count',
      metavar: 'N',
      schema: integerIn(1, MAX_BENCH_COUNT),
      default: 20_000,
      help: 'requests in all, warm-up included',
    }),
    size: valueOption({
      flag: '--size',
      metavar: 'BYTES',
      schema: integerIn(0, 16 * 1024 * 1024),
      default: 64,
      help: 'bytes of echo text per request',
    }),
  },
} satisfies Record<CommandName, OptionTable>;
