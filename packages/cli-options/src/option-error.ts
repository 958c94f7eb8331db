import { codesOf, type ErrorCodeOf, UdsipcError } from '@udsipc/protocol';

/**
 * Stable codes for a command line or environment that cannot be run as given: the `config` layer
 * of ERROR_CODES (unknown option, missing value, unexpected argument, invalid value), all usage
 * failures, so a CLI can hand them on as its own without translating them.
 */
export const OPTION_ERROR_CODES = codesOf('config');

export type OptionErrorCode = ErrorCodeOf<'config'>;

/**
 * What reading or checking options throws. Each CLI turns it into its own usage error (keeping the
 * code, message and source), so its exit status and stderr line stay its own.
 */
export class OptionError extends UdsipcError<OptionErrorCode> {
  override readonly name = 'OptionError';
  /** The flag or environment variable at fault, as the user typed it: `--timeout` or `UDSIPC_TIMEOUT`. */
  readonly source: string | undefined;

  constructor(code: OptionErrorCode, message: string, source?: string) {
    super(code, message);
    this.source = source;
  }
}
