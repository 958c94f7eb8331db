import { UdsipcError } from '@udsipc/protocol';

/** Stable codes for everything udsipc-migrate can refuse or fail at. */
export const MIGRATE_ERROR_CODES = [
  'USAGE',
  'CRIU_MISSING',
  'CRIU_CHECK_FAILED',
  'NO_SUCH_PROCESS',
  'NOT_UDSIPC_SERVER',
  'QUIESCE_TIMEOUT',
  'DUMP_FAILED',
  'NO_CHECKPOINT',
  'RESTORE_FAILED',
  'NOT_ANSWERING',
] as const;

export type MigrateErrorCode = (typeof MIGRATE_ERROR_CODES)[number];

export class MigrateError extends UdsipcError<MigrateErrorCode> {
  override readonly name = 'MigrateError';
}
