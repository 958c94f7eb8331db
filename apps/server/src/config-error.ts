import { UdsipcError } from '@udsipc/protocol';

/** Stable codes for a command line or environment that cannot be run; all exit with status 2. */
export const CONFIG_ERROR_CODES = [
  'UNKNOWN_OPTION',
  'MISSING_VALUE',
  'UNEXPECTED_ARGUMENT',
  'INVALID_VALUE',
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

export class ConfigError extends UdsipcError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
  /** The flag or environment variable at fault, e.g. `--mode` or `UDSIPC_MODE`. */
  readonly source: string | undefined;

  constructor(code: ConfigErrorCode, message: string, source?: string) {
    super(code, message);
    this.source = source;
  }
}
