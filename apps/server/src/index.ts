export { builtinMessages, defineMessage } from '@udsipc/protocol';
export { type Handler, HandlerError, type RequestContext } from '@udsipc/transport';
export {
  type Invocation,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  parseConfig,
  type ServerConfig,
} from './config.js';
export { CONFIG_ERROR_CODES, ConfigError, type ConfigErrorCode } from './config-error.js';
export { type CreateServerOptions, createServer, type UdsipcServer } from './create-server.js';
export { createEventLog, type EventLog } from './event-log.js';
export { classifyFailure, ExitCode, type ExitCodeValue, type Failure } from './exit-codes.js';
export { type BuiltinHandlerContext, type BuiltinHandlers, builtinHandlers } from './handlers.js';
export {
  createLogger,
  formatPrettyLine,
  type LoggerOptions,
  type ServerLogger,
  silentLogger,
} from './logger.js';
export { type NotifyResult, notifySystemd } from './systemd-notify.js';
export { VERSION } from './version.js';
export { DEFAULT_WARN_LIMITS, WarnLimiter, type WarnLimits } from './warn-limiter.js';
