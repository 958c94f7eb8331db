/**
 * What the server needs from a logger. pino's Logger satisfies it; a team embedding the server
 * may pass its own pino child logger or anything with these methods.
 */
export interface ServerLogger {
  isLevelEnabled(level: string): boolean;
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: ServerLogger = {
  isLevelEnabled: () => false,
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
