/**
 * One process's clients of one server path, taking turns at the server's queue while it is full.
 *
 * A datagram server's socket queues at most net.unix.max_dgram_qlen datagrams (10 here). Every
 * connected sender that met a full queue waits in the kernel for room (unix_dgram_peer_wake_me in
 * net/unix/af_unix.c), and each datagram the server reads wakes them all: with hundreds of clients
 * in a process, each freed slot set off hundreds of sendmsg calls of which one succeeded, and as
 * many epoll_ctl calls re-arming their polls. Measured with 250 clients in each of 4 processes:
 * 2.65 sendmsg, 1.65 of them failing, and 4.4 epoll_ctl per reply, and unix-dgram's send was more
 * than half of the client processes' CPU.
 *
 * So the clients of one process share what they learn: once a send met a full queue, the others
 * do not try; they wait in line, without a system call. Only the client whose send met the full
 * queue polls for room, and when the kernel says there is some, the waiting clients send in turn
 * until one meets a full queue again, which then polls. A guard timer opens the gate should a
 * wake-up never come (its poller closed, the server went away).
 */
export interface GateWaiter {
  /** Sends what it holds until it is empty or the server's queue is full (then calls `congested`). */
  flush(): void;
}

/** What the guard waits before letting the line try again without a wake-up. */
const GUARD_MS = 50;

export class ServerQueueGate {
  private full = false;
  private readonly line = new Set<GateWaiter>();
  private guard: NodeJS.Timeout | undefined;
  private members = 0;

  /** Whether a send of this process met the server's queue full since it last had room. */
  get isFull(): boolean {
    return this.full;
  }

  /** The send of `waiter` met a full queue: its socket now polls for room, and it waits in line. */
  congested(waiter: GateWaiter): void {
    this.full = true;
    this.line.add(waiter);
    this.guard ??= setInterval(() => this.open(), GUARD_MS);
  }

  /** `waiter` has something to send while the queue is full: it waits in line, trying nothing. */
  wait(waiter: GateWaiter): void {
    this.line.add(waiter);
  }

  /**
   * There may be room (a poller's socket is writable, the guard fired, a new server is at the path):
   * the clients in line send in the order they came, until one meets a full queue again.
   */
  open(): void {
    this.full = false;
    for (const waiter of this.line) {
      this.line.delete(waiter);
      waiter.flush();
      if (this.full) return;
    }
    this.stopGuard();
  }

  /** `waiter` no longer sends (closed): out of the line; the last one out stops the guard. */
  leave(waiter: GateWaiter): void {
    this.line.delete(waiter);
    if (this.line.size === 0) {
      this.full = false;
      this.stopGuard();
    }
  }

  private stopGuard(): void {
    clearInterval(this.guard);
    this.guard = undefined;
  }

  /** @internal registry bookkeeping: clients using this gate. */
  join(): void {
    this.members++;
  }

  /** @internal true when no client uses this gate any more. */
  part(): boolean {
    return --this.members === 0;
  }
}

const gates = new Map<string, ServerQueueGate>();

/** The gate shared by this process's clients of the server at `path`; give it back with `releaseGate`. */
export function gateFor(path: string): ServerQueueGate {
  let gate = gates.get(path);
  if (!gate) {
    gate = new ServerQueueGate();
    gates.set(path, gate);
  }
  gate.join();
  return gate;
}

export function releaseGate(path: string, gate: ServerQueueGate, waiter: GateWaiter): void {
  gate.leave(waiter);
  if (gate.part() && gates.get(path) === gate) gates.delete(path);
}
