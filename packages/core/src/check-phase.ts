/** Something waiting for the event loop's check phase: the end of the I/O that caused it. */
export interface CheckPhaseListener {
  atCheckPhase(): void;
}

const waiting: CheckPhaseListener[] = [];
let scheduled = false;

function runWaiting(): void {
  scheduled = false;
  const due = waiting.splice(0);
  for (const listener of due) listener.atCheckPhase();
}

/**
 * Calls `listener.atCheckPhase()` in the loop's check phase. One setImmediate serves every socket
 * and peer that waits in the same turn: a server answering 1,000 datagram clients, or a process
 * running 250 clients, otherwise scheduled one immediate per message.
 */
export function atCheckPhase(listener: CheckPhaseListener): void {
  waiting.push(listener);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runWaiting);
  }
}
