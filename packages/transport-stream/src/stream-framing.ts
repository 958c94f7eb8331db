import {
  type CodecName,
  CSTRING_RECORD_BYTES,
  FRAME_HEADER_BYTES,
  UdsipcError,
  type WireFormat,
} from '@udsipc/protocol';

const OPEN_BRACE = 0x7b;

export class FramingError extends UdsipcError<'FRAME_TOO_LARGE'> {
  override readonly name = 'FramingError';
  constructor(message: string) {
    super('FRAME_TOO_LARGE', message);
  }
}

/**
 * Which framing a stream connection uses, read from its first bytes under codec `auto`: a JSON
 * frame's header has a zero top byte (frames stay under 16 MiB) and its body starts with `{`;
 * a seed cstring record starts with its text.
 */
export function detectStreamWire(head: Buffer): WireFormat | undefined {
  if (head.length < FRAME_HEADER_BYTES + 1) {
    return head.length > 0 && head[0] !== 0 ? 'cstring' : undefined;
  }
  return head[0] === 0 && head[FRAME_HEADER_BYTES] === OPEN_BRACE ? 'json' : 'cstring';
}

/**
 * Cuts a byte stream into frames: length-prefixed JSON frames or fixed 1024-byte cstring records,
 * which arrive split or merged in any way. Holds at most one partial frame, and refuses a header
 * announcing more than the limit as soon as the header is read, before any of the body.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Bytes needed before anything can be cut: a header, or a whole frame once its header is known. */
  private needed: number;
  private wire: WireFormat | undefined;

  constructor(
    codec: CodecName,
    private readonly maxFrameBytes: number,
  ) {
    this.wire = codec === 'auto' ? undefined : codec;
    this.needed = this.wire === 'cstring' ? CSTRING_RECORD_BYTES : FRAME_HEADER_BYTES;
  }

  get format(): WireFormat | undefined {
    return this.wire;
  }

  /** Bytes of a partial frame held now. */
  get pendingBytes(): number {
    return this.chunkBytes;
  }

  /** Feeds received bytes; calls `onFrame` for each whole frame. Throws FramingError on an oversize header. */
  push(chunk: Buffer, onFrame: (frame: Buffer, wire: WireFormat) => void): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // A large frame arrives in many chunks: gather them and copy once, not once per chunk.
    if (this.chunkBytes < this.needed && (this.wire !== undefined || this.chunkBytes === 0)) {
      if (this.wire !== undefined || this.chunks[0]![0] === 0) return;
    }
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    if (this.wire === undefined) {
      this.wire = detectStreamWire(data);
      if (this.wire === undefined) {
        this.keep(data, 0, FRAME_HEADER_BYTES + 1);
        return;
      }
    }
    const offset = this.wire === 'cstring' ? this.cutRecords(data, onFrame) : this.cutFrames(data, onFrame);
    if (offset < data.length) this.keep(data, offset, this.needed);
    else this.needed = this.wire === 'cstring' ? CSTRING_RECORD_BYTES : FRAME_HEADER_BYTES;
  }

  private keep(data: Buffer, offset: number, needed: number): void {
    const rest = data.subarray(offset);
    // Copy a small remainder so it does not pin the large chunk it came in.
    this.chunks = [offset > 0 && rest.length < 65_536 ? Buffer.from(rest) : rest];
    this.chunkBytes = rest.length;
    this.needed = needed;
  }

  private cutRecords(data: Buffer, onFrame: (frame: Buffer, wire: WireFormat) => void): number {
    let offset = 0;
    while (data.length - offset >= CSTRING_RECORD_BYTES) {
      onFrame(data.subarray(offset, offset + CSTRING_RECORD_BYTES), 'cstring');
      offset += CSTRING_RECORD_BYTES;
    }
    this.needed = CSTRING_RECORD_BYTES;
    return offset;
  }

  private cutFrames(data: Buffer, onFrame: (frame: Buffer, wire: WireFormat) => void): number {
    let offset = 0;
    this.needed = FRAME_HEADER_BYTES;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      if (length > this.maxFrameBytes) {
        throw new FramingError(
          `frame header announces ${length} bytes, over the limit of ${this.maxFrameBytes}`,
        );
      }
      const end = offset + FRAME_HEADER_BYTES + length;
      if (data.length < end) {
        this.needed = FRAME_HEADER_BYTES + length;
        break;
      }
      onFrame(data.subarray(offset + FRAME_HEADER_BYTES, end), 'json');
      offset = end;
    }
    return offset;
  }
}
