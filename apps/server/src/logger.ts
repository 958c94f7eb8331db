import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from './config.js';

export type { ServerLogger } from '@udsipc/node';

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (default: stdout, written synchronously). */
  destination?: DestinationStream;
}

const LEVEL_LABELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields the pretty line shows in its fixed columns rather than as key=value. */
const FIXED_FIELDS = new Set(['level', 'time', 'msg']);

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null && 'message' in value) {
    return JSON.stringify((value as { message: unknown }).message);
  }
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line to `time LEVEL message key=value ...`; a line that is not JSON passes through. */
export function formatPrettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
  const level = LEVEL_LABELS[record.level as number] ?? String(record.level);
  let text = `${time} ${level.padEnd(5)} ${typeof record.msg === 'string' ? record.msg : ''}`;
  for (const [key, value] of Object.entries(record)) {
    if (!FIXED_FIELDS.has(key) && value !== undefined) text += ` ${key}=${prettyValue(value)}`;
  }
  return `${text}\n`;
}

/**
 * The process logger. Both formats write synchronously on the main thread (pino.destination with
 * sync: true, no transport worker): a line is on stdout before the next statement runs, nothing is
 * lost on process.exit, and there is no extra thread for CRIU to checkpoint.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stdout = options.destination ?? pino.destination({ dest: 1, sync: true });
  const destination: DestinationStream =
    options.format === 'pretty' ? { write: (line) => stdout.write(formatPrettyLine(line)) } : stdout;
  // No pid/hostname on every line: the start line names the pid once, and one host is implied.
  return pino({ level: options.level, base: null }, destination);
}
