import type { Socket } from 'node:net';
import { FIRST_EARLY_FLUSH_FRAMES, MAX_EARLY_FLUSH_FRAMES } from './burst-policy.js';
import { atCheckPhase, type CheckPhaseListener } from './check-phase.js';

/**
 * Writes frames to a stream socket so that a lone frame leaves at once and a burst leaves together.
 * A burst is the writes made while handling one received chunk (`startBurst`), or those that follow
 * a first write in the same turn of the event loop: they are corked and leave in one writev in the
 * loop's check phase, right after the I/O that caused them. Corking every write instead cost a
 * lone request/reply three times its latency here; corking none cost half the pipelined throughput.
 */
export class WriteBatcher implements CheckPhaseListener {
  private inBurst = false;
  private corked: Socket | undefined;
  /** Frames corked since the last writev, and how many end the next part of the burst. */
  private frames = 0;
  private flushAt = FIRST_EARLY_FLUSH_FRAMES;

  /** Called when a chunk arrives: whatever it causes to be written is batched. */
  startBurst(): void {
    if (this.inBurst) return;
    this.inBurst = true;
    atCheckPhase(this);
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
    // The burst leaves in growing parts (4, 8, 16, 32 frames), see burst-policy.ts.
    if (++this.frames >= this.flushAt) {
      socket.uncork();
      socket.cork();
      this.frames = 0;
      this.flushAt = Math.min(this.flushAt * 2, MAX_EARLY_FLUSH_FRAMES);
    }
  }

  /** @internal the end of a burst: what was corked leaves. */
  atCheckPhase(): void {
    this.inBurst = false;
    this.flushAt = FIRST_EARLY_FLUSH_FRAMES;
    this.corked?.uncork();
    this.corked = undefined;
  }
}
