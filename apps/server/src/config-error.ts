import { codesOf, type ErrorCodeOf, UdsipcError } from '@udsipc/protocol';

/**
 * Stable codes for a command line or environment that cannot be run (the `config` layer of
 * ERROR_CODES): all usage failures, exit status 2, reported as the message alone.
 */
export const CONFIG_ERROR_CODES = codesOf('config');

export type ConfigErrorCode = ErrorCodeOf<'config'>;

export class ConfigError extends UdsipcError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
  /** The flag or environment variable at fault, e.g. `--mode` or `UDSIPC_MODE`. */
  readonly source: string | undefined;

  constructor(code: ConfigErrorCode, message: string, source?: string) {
    super(code, message);
    this.source = source;
  }
}
