import type { Socket } from 'node:net';

/** A long burst is still cut into writevs of this many frames, so the peer can start on the first part. */
const MAX_FRAMES_PER_WRITEV = 16;

/**
 * Writes frames to a stream socket so that a lone frame leaves at once and a burst leaves together.
 * A burst is the writes made while handling one received chunk (`startBurst`), or those that follow
 * a first write in the same turn of the event loop: they are corked and leave in one writev in the
 * loop's check phase, right after the I/O that caused them. Corking every write instead cost a
 * lone request/reply three times its latency here; corking none cost half the pipelined throughput.
 */
export class WriteBatcher {
  private inBurst = false;
  private corked: Socket | undefined;
  private frames = 0;

  /** Called when a chunk arrives: whatever it causes to be written is batched. */
  startBurst(): void {
    if (this.inBurst) return;
    this.inBurst = true;
    setImmediate(() => this.endBurst());
  }

  write(socket: Socket, frame: Buffer): void {
    if (!this.inBurst) {
      socket.write(frame);
      this.startBurst();
      return;
    }
    if (this.corked !== socket) {
      this.corked?.uncork();
      socket.cork();
      this.corked = socket;
      this.frames = 0;
    }
    socket.write(frame);
    if (++this.frames % MAX_FRAMES_PER_WRITEV === 0) {
      socket.uncork();
      socket.cork();
    }
  }

  private endBurst(): void {
    this.inBurst = false;
    this.corked?.uncork();
    this.corked = undefined;
  }
}
