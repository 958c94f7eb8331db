import type { Socket } from 'node:net';
import { Burst } from '@udsipc/core/transport';

/**
 * Writes frames to a stream socket so that a lone frame leaves at once and a burst leaves together.
 * A burst is the writes made while handling one received chunk (`startBurst`), or those that follow
 * a first write in the same turn of the event loop: they are corked and leave in one writev in the
 * loop's check phase, right after the I/O that caused them. Corking every write instead cost a
 * lone request/reply three times its latency here; corking none cost half the pipelined throughput.
 */
export class WriteBatcher {
  private corked: Socket | undefined;
  /** Frames corked since the last writev. */
  private frames = 0;
  private readonly burst = new Burst(() => {
    this.corked?.uncork();
    this.corked = undefined;
  });

  /** Called when a chunk arrives: whatever it causes to be written is batched. */
  startBurst(): void {
    this.burst.start();
  }

  write(socket: Socket, frame: Buffer): void {
    if (!this.burst.active) {
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
    if (this.burst.partDue(++this.frames)) {
      socket.uncork();
      socket.cork();
      this.frames = 0;
    }
  }
}
