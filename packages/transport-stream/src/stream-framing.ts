import {
  type Codec,
  type CodecName,
  codecNamed,
  detectStreamCodec,
  type ErrorCodeOf,
  FRAME_HEADER_BYTES,
  UdsipcError,
} from '@udsipc/protocol';

/** A stream header announcing more than the transport's frame limit: a `transport` code of ERROR_CODES. */
export class FramingError extends UdsipcError<'FRAME_TOO_LARGE' & ErrorCodeOf<'transport'>> {
  override readonly name = 'FramingError';
  constructor(message: string) {
    super('FRAME_TOO_LARGE', message);
  }
}

/**
 * Cuts a byte stream into messages as the connection's codec frames them (length-prefixed JSON,
 * fixed 1024-byte cstring records), which arrive split or merged in any way. Under codec `auto` the
 * codec is read from the first bytes. Holds at most one partial frame, and refuses a header
 * announcing more than the limit as soon as the header is read, before any of the body.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Bytes needed before anything can be cut: a header, or a whole frame once its header is known. */
  private needed: number;
  private current: Codec | undefined;

  constructor(
    choice: CodecName,
    private readonly maxFrameBytes: number,
  ) {
    this.current = choice === 'auto' ? undefined : codecNamed(choice);
    this.needed = this.current?.stream.minFrameBytes ?? 0;
  }

  /** The connection's codec, once known. */
  get codec(): Codec | undefined {
    return this.current;
  }

  /** Bytes of a partial frame held now. */
  get pendingBytes(): number {
    return this.chunkBytes;
  }

  /** Feeds received bytes; calls `onFrame` for each whole frame. Throws FramingError on an oversize header. */
  push(chunk: Buffer, onFrame: (frame: Buffer, codec: Codec) => void): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // A large frame arrives in many chunks: gather them and copy once, not once per chunk.
    if (this.current !== undefined && this.chunkBytes < this.needed) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.chunkBytes);
    this.chunks = [];
    this.chunkBytes = 0;
    if (this.current === undefined) {
      this.current = detectStreamCodec(data);
      if (this.current === undefined) {
        this.keep(data, 0, FRAME_HEADER_BYTES + 1);
        return;
      }
    }
    const offset = this.cut(data, this.current, onFrame);
    if (offset < data.length) this.keep(data, offset, this.needed);
    else this.needed = this.current.stream.minFrameBytes;
  }

  private keep(data: Buffer, offset: number, needed: number): void {
    const rest = data.subarray(offset);
    // Copy a small remainder so it does not pin the large chunk it came in.
    this.chunks = [offset > 0 && rest.length < 65_536 ? Buffer.from(rest) : rest];
    this.chunkBytes = rest.length;
    this.needed = needed;
  }

  private cut(data: Buffer, codec: Codec, onFrame: (frame: Buffer, codec: Codec) => void): number {
    const { headerBytes } = codec.stream;
    let offset = 0;
    this.needed = headerBytes;
    while (data.length - offset >= headerBytes) {
      const length = codec.stream.bodyBytes(data, offset);
      // Only an announced length can be hostile; a fixed record is the format's own size.
      if (headerBytes > 0 && length > this.maxFrameBytes) {
        throw new FramingError(
          `frame header announces ${length} bytes, over the limit of ${this.maxFrameBytes}`,
        );
      }
      const end = offset + headerBytes + length;
      if (data.length < end) {
        this.needed = headerBytes + length;
        break;
      }
      onFrame(data.subarray(offset + headerBytes, end), codec);
      offset = end;
    }
    return offset;
  }
}
