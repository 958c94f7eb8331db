/**
 * Keeps a quiesced server's process alive. With its listener, every connection or its datagram
 * socket closed, nothing would keep node's event loop running and the process would exit; it must
 * instead wait, quiesced, to be checkpointed by CRIU and resumed.
 */
export class QuiesceHold {
  private timer: NodeJS.Timeout | undefined;

  hold(): void {
    this.timer ??= setInterval(() => {}, 60_000);
  }

  release(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
