/**
 * An encoded message whose large binary attachments are sent from the caller's own bytes: the
 * head (marker, JSON length, JSON envelope) and then each attachment, written in order by a
 * gathering write (writev) instead of being copied into one buffer first. A 1 MiB attachment
 * otherwise cost one more 1 MiB allocation and copy per message on each side, and that garbage
 * (external memory, freed only by V8's collections) was much of the large-attachment rows' time.
 *
 * The parts are referenced, not copied: like `socket.write`, the bytes must not change until the
 * request has settled (a resend reads them again), or, for a reply, while the server remembers it.
 */
export class GatherFrame {
  /** Bytes in all the parts: the message's length on the wire (its stream header says so). */
  readonly length: number;

  constructor(readonly parts: readonly Uint8Array[]) {
    let length = 0;
    for (const part of parts) length += part.byteLength;
    this.length = length;
  }

  /** The message as one buffer, for a transport that sends one (a datagram, a NATS message). */
  flat(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

/** One encoded message, ready to send: a buffer, or a head and its attachments (see GatherFrame). */
export type Frame = Buffer | GatherFrame;

/** `frame` as one buffer: itself, or its parts copied together. */
export function flatFrame(frame: Frame): Buffer {
  return frame instanceof GatherFrame ? frame.flat() : frame;
}

/**
 * From this many attachment bytes a message is gathered rather than copied: below it one copy
 * costs less than the gathering write's extra buffers (and a datagram, at most 64 KiB, always
 * travels as one buffer anyway).
 */
export const GATHER_MIN_ATTACHMENT_BYTES = 64 * 1024;
