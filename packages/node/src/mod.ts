// @udsipc/node: what a Node.js program imports to serve or call udsipc on either transport. The
// names applications need from @udsipc/core and @udsipc/protocol are re-exported by name, so one
// import is enough; adapters and internals are not.
export {
  type AccessPolicy,
  type AccessRule,
  type ActivatedSocket,
  activatedSocket,
  type Caller,
  type ClientCounters,
  type Exchange,
  forgetActivation,
  type Handler,
  HandlerError,
  REQUEST_DEFAULTS,
  type RequestContext,
  RequestError,
  type RequestOptions,
  RpcClient,
  RpcServer,
  type SubscribeOptions,
  Subscription,
  type SubscriptionCounters,
  type SubscriptionEvent,
  TransportError,
} from '@udsipc/core';
export { AttachmentSchema, builtinMessages, defineMessage } from '@udsipc/protocol';
export {
  DEFAULT_NATS_URL,
  DEFAULT_SERVICE,
  subjectForService,
  validateNatsUrl,
  validateSubject,
} from '@udsipc/transport-nats';
export { elapsedUs, type LatencySummary, percentile, summarizeLatencies } from './client/percentiles.js';
export {
  type EchoBenchOptions,
  type EchoBenchResult,
  runEchoBench,
  warmupCount,
} from './client/run-echo-bench.js';
export { type CreateServerOptions, createServer, type UdsipcServer } from './server/create-server.js';
export { formatMode, SERVER_DEFAULTS } from './server/defaults.js';
export { type BuiltinHandlerContext, type BuiltinHandlers, builtinHandlers } from './server/handlers.js';
export { type ServerLogger, silentLogger } from './server/server-logger.js';
export { DEFAULT_WARN_LIMITS, type WarnLimits } from './server/warn-limiter.js';
export {
  type ClientTransportConfig,
  type ConnectOptions,
  connectClient,
  createClientTransport,
  createServerTransport,
  type ServerTransportConfig,
} from './transport-factory.js';
