// The public face of @udsipc/core: the request/reply layer and the transport interface it runs on.
// What only adapter authors need (socket-file safety, burst policy, the server watch ...) is in
// `@udsipc/core/transport`; nothing else is exported.

export type { AccessPolicy, AccessRule } from './access-policy.js';
export { type BackoffPolicy, DEFAULT_RECONNECT_BACKOFF, DEFAULT_RETRY_BACKOFF } from './backoff.js';
export type { Caller } from './caller.js';
export {
  HandlerError,
  REQUEST_ERROR_CODES,
  RequestError,
  type RequestErrorCode,
  TRANSPORT_ERROR_CODES,
  TransportError,
  type TransportErrorCode,
} from './errors.js';
export { DEFAULT_REPLAY_LIMITS, type ReplayLimits } from './replay-cache.js';
export {
  type ClientCounters,
  type Exchange,
  REQUEST_DEFAULTS,
  type RequestOptions,
  RpcClient,
  type RpcClientOptions,
} from './rpc-client.js';
export {
  type Handler,
  type RequestContext,
  type RequestTrace,
  RpcServer,
  type RpcServerEvent,
  type RpcServerOptions,
} from './rpc-server.js';
export { defaultServerTrust, type ServerTrust } from './server-trust.js';
export {
  ACTIVATION_VARIABLES,
  type ActivatedSocket,
  activatedSocket,
  forgetActivation,
} from './socket-activation.js';
export { parseSocketMode } from './socket-file.js';
export {
  type SubscribeOptions,
  Subscription,
  type SubscriptionCounters,
  type SubscriptionEvent,
} from './subscription.js';
export { DEFAULT_SUBSCRIPTION_LEASE_MS } from './topic-registry.js';
export type {
  ClientTransport,
  ClientTransportOptions,
  FrameListener,
  LinkFailureListener,
  SendFailureListener,
  ServerBackListener,
  ServerPeer,
  ServerSocketSource,
  ServerTransport,
  ServerTransportOptions,
  ServerTransportSettings,
} from './transport.js';
export type { TransportEvent, TransportEventListener } from './transport-events.js';
