import type { PeerId } from './plan.js';
import { lastJsonLine, start } from './processes.js';
import { WORKER_SCRIPT } from './rows.js';

export type PeerAvailability = { ok: true; found: string } | { ok: false; reason: string };

/**
 * Whether a peer can run on this machine, asked of a process of its own (worker.js peer-probe) so
 * the bench never loads a peer's native addon itself: a peer that is not installed, or whose
 * addon does not load here, is SKIPPED with the first line of what went wrong.
 */
export async function peerAvailability(peer: PeerId, timeoutMs = 30_000): Promise<PeerAvailability> {
  const child = start(`${peer} probe`, process.execPath, [WORKER_SCRIPT, 'peer-probe', peer]);
  const timer = setTimeout(() => child.child.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  if (code === 0) {
    try {
      return { ok: true, found: String(lastJsonLine(child.stdout())) };
    } catch {
      // No report: fall through to the failure below.
    }
  }
  const firstLine = child.stderr().trim().split('\n')[0] ?? '';
  const reason = firstLine.replace(/^bench worker peer-probe: /, '').slice(0, 300);
  return { ok: false, reason: reason || `its probe exited with ${code ?? 'a signal'} and said nothing` };
}
