import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODEC_NAMES, TRANSPORT_NAMES } from '@udsipc/protocol';
import { z } from 'zod';
import { MigrateError } from './migrate-error.js';

/** What `dump` leaves beside criu's images so `restore`, maybe on another host, knows how to resume. */
export const CheckpointRecordSchema = z.object({
  pid: z.number().int().positive(),
  transport: z.enum(TRANSPORT_NAMES),
  socket: z.string(),
  /** nats only: where the restored server reconnects, for the first ping after restore. */
  natsUrl: z.string().optional(),
  subject: z.string().optional(),
  codec: z.enum(CODEC_NAMES),
  /** The server was quiesced and must be resumed after restore (false in checkpoints of older versions, whose datagram servers were not). */
  quiesced: z.boolean(),
  /** criu needed --shell-job: the server did not lead its own session. */
  shellJob: z.boolean(),
  /** Wall-clock ms when the server stopped answering (quiesce or dump began). */
  unreachableSince: z.number(),
});

export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;

const RECORD_FILE = 'udsipc-checkpoint.json';

export function writeCheckpointRecord(directory: string, record: CheckpointRecord): void {
  writeFileSync(join(directory, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export function readCheckpointRecord(directory: string): CheckpointRecord {
  let text: string;
  try {
    text = readFileSync(join(directory, RECORD_FILE), 'utf8');
  } catch {
    throw new MigrateError(
      'NO_CHECKPOINT',
      `${directory} holds no udsipc checkpoint (${RECORD_FILE} missing)`,
    );
  }
  const parsed = CheckpointRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new MigrateError('NO_CHECKPOINT', `${join(directory, RECORD_FILE)} is not a checkpoint record`);
  return parsed.data;
}
