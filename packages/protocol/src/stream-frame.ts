/** Stream mode's JSON frame: a 4-byte big-endian body length, then the body. */
export const FRAME_HEADER_BYTES = 4;

/** A 4-byte big-endian length header for a JSON frame. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  return header;
}

/** A JSON body with its length header, as one buffer: one write, one syscall. */
export function framed(body: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}
