import type { TransportName } from '@udsipc/protocol';
import type { ClientTransport, LinkFailureListener } from '@udsipc/transport';

/**
 * Wraps a ClientTransport to see what RpcClient does not report for a successful request: its id
 * and how many times it was sent. RpcClient hands every attempt to `send` with the request id as
 * key, and sends the first attempt synchronously inside `request()`, so the key of the latest send
 * right after `request()` returns is the new request's id.
 */
export class AttemptCounter implements ClientTransport {
  readonly kind: TransportName;
  readonly maxFrameBytes: number;
  private readonly attempts = new Map<string, number>();
  private sends = 0;
  private lastKey: string | undefined;

  constructor(private readonly inner: ClientTransport) {
    this.kind = inner.kind;
    this.maxFrameBytes = inner.maxFrameBytes;
  }

  open(onFrame: (frame: Buffer) => void, onLinkFailure: LinkFailureListener): Promise<void> {
    return this.inner.open(onFrame, onLinkFailure);
  }

  send(frame: Buffer, key?: string): string | undefined {
    this.sends++;
    this.lastKey = key;
    if (key !== undefined) this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
    return this.inner.send(frame, key);
  }

  /** A mark to take just before `request()`. */
  mark(): number {
    return this.sends;
  }

  /** The id of the request issued since `mark`, or undefined if it was refused before sending. */
  issuedSince(mark: number): string | undefined {
    return this.sends > mark ? this.lastKey : undefined;
  }

  /** How many times `id` was sent; forgets it, so call once when the request settles. */
  takeAttempts(id: string): number {
    const count = this.attempts.get(id) ?? 0;
    this.attempts.delete(id);
    return count;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  closed(): Promise<void> {
    return this.inner.closed();
  }
}
