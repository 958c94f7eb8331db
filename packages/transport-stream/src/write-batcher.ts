import type { Socket } from 'node:net';
import { Burst } from '@udsipc/core/transport';
import { type Frame, GatherFrame } from '@udsipc/protocol';

/**
 * Writes frames to a stream socket so that a lone frame leaves at once and a burst leaves together.
 * A burst is the writes made while handling one received chunk (`startBurst`), or those that follow
 * a first write in the same turn of the event loop: they are corked and leave in one writev in the
 * loop's check phase, right after the I/O that caused them. Corking every write instead cost a
 * lone request/reply three times its latency here; corking none cost half the pipelined throughput.
 */
/** From this size a frame's body is written beside its header rather than copied behind it. */
const SEPARATE_BODY_BYTES = 64 * 1024;

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

  /**
   * Writes one frame: `header` (if any) then `body`. A large body is not copied behind its header:
   * the two go out in one writev. Copying 1 MiB attachments into a fresh frame buffer was one of
   * the allocations whose garbage collection dominated the large-frame rows of the bench.
   */
  write(socket: Socket, header: Buffer | undefined, body: Frame): void {
    if (body instanceof GatherFrame) {
      // A message whose large attachments are the sender's own bytes: written where they are.
      this.writeParts(socket, header === undefined ? body.parts : [header, ...body.parts]);
      return;
    }
    if (header === undefined) {
      this.writeFrame(socket, body);
      return;
    }
    if (body.length < SEPARATE_BODY_BYTES) {
      this.writeFrame(socket, Buffer.concat([header, body], header.length + body.length));
      return;
    }
    this.writeParts(socket, [header, body]);
  }

  /** One frame in several pieces, held together by the cork so they leave in one writev. */
  private writeParts(socket: Socket, parts: readonly Uint8Array[]): void {
    const corkedHere = this.corked !== socket;
    if (corkedHere) socket.cork();
    const last = parts.length - 1;
    for (let index = 0; index < last; index++) socket.write(parts[index]!);
    this.writeFrame(socket, parts[last]!);
    if (corkedHere) socket.uncork();
  }

  private writeFrame(socket: Socket, frame: Uint8Array): void {
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
