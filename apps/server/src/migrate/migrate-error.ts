import { codesOf, type ErrorCodeOf, UdsipcError } from '@udsipc/protocol';

/**
 * Stable codes for everything udsipc-migrate can refuse or fail at: the `migrate` layer of
 * ERROR_CODES, and the command-line tools' USAGE.
 */
export const MIGRATE_ERROR_CODES = codesOf('cli', 'migrate');

export type MigrateErrorCode = ErrorCodeOf<'cli' | 'migrate'>;

export class MigrateError extends UdsipcError<MigrateErrorCode> {
  override readonly name = 'MigrateError';
}
