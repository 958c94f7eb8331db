/**
 * Several frames in one datagram. A server's queue holds only 10 datagrams (net.unix.max_dgram_qlen)
 * and every datagram costs a system call and a wake-up on each side, so frames produced in the
 * same event-loop turn travel together. Layout: a record-separator byte (0x1E), then for each frame
 * a 4-byte big-endian length and the frame. JSON frames start with `{` and seed cstring records
 * with their text, so the marker cannot be mistaken for either. Only JSON frames are batched, and
 * a server batches its replies only to a peer that sent it a batch.
 */
export const BATCH_MARKER = 0x1e;
const LENGTH_BYTES = 4;
/**
 * Most frames in one batch. The server reads one datagram per event-loop turn and handles all its
 * frames at once: uncapped, a 64 KiB batch of 13,000 one-byte frames held it ~150 ms, and a peer
 * sending such batches starved everyone else. A batch with more frames is refused whole (MALFORMED).
 */
export const MAX_BATCH_FRAMES = 64;

export function isBatch(datagram: Uint8Array): boolean {
  return datagram.length > 1 && datagram[0] === BATCH_MARKER;
}

/** Bytes a frame takes inside a batch. */
export function batchEntryBytes(frame: Buffer): number {
  return LENGTH_BYTES + frame.length;
}

export function packBatch(frames: readonly Buffer[]): Buffer {
  let total = 1;
  for (const frame of frames) total += LENGTH_BYTES + frame.length;
  const datagram = Buffer.allocUnsafe(total);
  datagram[0] = BATCH_MARKER;
  let offset = 1;
  for (const frame of frames) {
    datagram.writeUInt32BE(frame.length, offset);
    frame.copy(datagram, offset + LENGTH_BYTES);
    offset += LENGTH_BYTES + frame.length;
  }
  return datagram;
}

/** The frames of a batch datagram, or undefined when a length runs past its end or it holds too many. */
export function unpackBatch(datagram: Buffer): Buffer[] | undefined {
  const frames: Buffer[] = [];
  let offset = 1;
  while (offset < datagram.length) {
    if (datagram.length - offset < LENGTH_BYTES || frames.length === MAX_BATCH_FRAMES) return undefined;
    const length = datagram.readUInt32BE(offset);
    const start = offset + LENGTH_BYTES;
    if (length === 0 || start + length > datagram.length) return undefined;
    frames.push(datagram.subarray(start, start + length));
    offset = start + length;
  }
  return frames;
}

/**
 * Takes frames from the front of `frames` while they fit in one datagram of `maxBytes`, at most
 * MAX_BATCH_FRAMES; always at least one. Returns how many were taken.
 */
export function framesThatFit(frames: readonly Buffer[], maxBytes: number): number {
  let bytes = 1;
  let count = 0;
  for (const frame of frames) {
    bytes += batchEntryBytes(frame);
    if (count > 0 && (bytes > maxBytes || count === MAX_BATCH_FRAMES)) break;
    count++;
  }
  return count;
}
