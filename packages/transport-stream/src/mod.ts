// @udsipc/transport-stream: the stream adapter. It implements @udsipc/core's transport interface
// over node `net`, and knows nothing of requests, replies or the datagram addon.

export { type PeerCredentials, peerCredentials } from './peer-credentials.js';
export { probeStreamSocket } from './probe-socket.js';
export { enlargeSendBuffer, STREAM_SEND_BUFFER_BYTES } from './send-buffer.js';
export { type StreamClientOptions, StreamClientTransport } from './stream-client.js';
export { FramingError } from './stream-framing.js';
export {
  STREAM_SERVER_DEFAULTS,
  type StreamServerOptions,
  type StreamServerSettings,
  StreamServerTransport,
} from './stream-server.js';
