// @udsipc/transport-nats: the NATS adapter. It implements @udsipc/core's transport interface over
// NATS request/reply (nats.js), with queue groups, and knows nothing of requests or replies.

export { type NatsClientOptions, NatsClientTransport } from './nats-client.js';
export { type NatsServerOptions, NatsServerTransport } from './nats-server.js';
export {
  DEFAULT_NATS_URL,
  DEFAULT_SERVICE,
  QUEUE_GROUP,
  subjectForService,
  validateNatsUrl,
  validateSubject,
} from './subjects.js';
