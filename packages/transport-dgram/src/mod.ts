// @udsipc/transport-dgram: the datagram adapter. It implements @udsipc/core's transport interface
// over unix-dgram, and knows nothing of requests or replies.
export { type DatagramClientOptions, DatagramClientTransport } from './dgram-client.js';
export {
  type DatagramServerOptions,
  type DatagramServerSettings,
  DatagramServerTransport,
} from './dgram-server.js';
export { type DatagramSendOutcome, DatagramSocket } from './dgram-socket.js';
export { probeSocket } from './probe-socket.js';
