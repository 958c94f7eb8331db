import type { Socket } from 'node:net';

/**
 * Writes frames to a stream socket so that a lone frame leaves at once and a burst leaves together.
 * The first write of an event-loop turn goes straight to the kernel (corking it cost a request/
 * reply round trip 3x its latency here); the writes that follow it in the same turn are corked and
 * leave in one writev when the turn ends, which is what keeps 64 requests in flight cheap.
 */
const MAX_FRAMES_PER_WRITEV = 16;

export class WriteBatcher {
  private writesThisTurn = 0;
  private corked: Socket | undefined;

  write(socket: Socket, frame: Buffer): void {
    if (this.writesThisTurn++ === 0) {
      socket.write(frame);
      process.nextTick(() => this.endTurn());
      return;
    }
    if (this.corked !== socket) {
      this.corked?.uncork();
      socket.cork();
      this.corked = socket;
    }
    socket.write(frame);
    if (this.writesThisTurn % MAX_FRAMES_PER_WRITEV === 0) {
      // Let the peer start on this part of a long burst while the rest is produced.
      socket.uncork();
      socket.cork();
    }
  }

  private endTurn(): void {
    this.writesThisTurn = 0;
    this.corked?.uncork();
    this.corked = undefined;
  }
}
