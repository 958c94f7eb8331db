// `@udsipc/core/transport`: what an adapter package needs besides the interface itself, written once
// for every adapter. Applications import `@udsipc/core`; only adapters import this.
export {
  activatedSocketHeld,
  adoptedSocketPath,
  type DescriptorFacts,
  resolveSocketSource,
} from './adopted-socket.js';
export { type BackoffPolicy, backoffDelay, DEFAULT_RECONNECT_BACKOFF } from './backoff.js';
export { Burst, FIRST_EARLY_FLUSH_FRAMES, MAX_EARLY_FLUSH_FRAMES } from './burst-policy.js';
export type { Caller } from './caller.js';
export { atCheckPhase, type CheckPhaseListener } from './check-phase.js';
export { TransportError } from './errors.js';
export { QuiesceHold } from './quiesce-hold.js';
export { userReplyDirectory } from './reply-directory.js';
export {
  defaultServerTrust,
  type Owner,
  REPLY_UNREACHABLE,
  SERVER_NOT_TRUSTED,
  type ServerTrust,
  trustsOwner,
} from './server-trust.js';
export { ServerWatch } from './server-watch.js';
export {
  bindFailure,
  bindWithMode,
  checkParentDirectory,
  ensurePrivateDirectory,
  prepareSocketPath,
  removeIfStale,
  type SocketLiveness,
  type SocketProbe,
  type SyncSocketProbe,
  sweepStaleReplySockets,
} from './socket-file.js';
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
export {
  ignoreTransportEvent,
  sendBufferEvent,
  type TransportEvent,
  type TransportEventListener,
} from './transport-events.js';
