import { formatRatio } from './format.js';
import { describeCell, type PeerCell, peerCells, peerRowFor, peersIn, UDSIPC_IDS } from './peer-ratios.js';
import { TRANSPORTS } from './plan.js';
import type { RowResult } from './rows.js';
import type { TargetCheck } from './target-checks.js';

/**
 * udsipc ≥ 1.0× each peer in every row both can run: for each udsipc row and peer, every payload
 * both measured and every throughput figure of it (ping-pong rt/s, w8, w64); the check is the
 * worst of them. N/A when the peer was SKIPPED or one side measured nothing. The attachment rows
 * are left out: the peers run no attachment payload (their table still shows the ratios).
 */
export function peerTargets(rows: RowResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const peer of peersIn(rows)) {
    for (const udsipc of UDSIPC_IDS) {
      const own = rows.filter((row) => row.transport === udsipc && !row.payload.attachment);
      if (own.length === 0) continue;
      const id = `${udsipc}-vs-${peer}`;
      const goal = `${TRANSPORTS[udsipc].label} ≥ 1.0× ${TRANSPORTS[peer].label} (rt/s, w8, w64; every payload both ran)`;
      const skipped = rows.find((row) => row.transport === peer && row.skipped)?.skipped;
      if (skipped) {
        checks.push({
          id,
          goal,
          status: 'N/A',
          threshold: 1.0,
          detail: `${TRANSPORTS[peer].label} SKIPPED: ${skipped}`,
        });
        continue;
      }
      const cells: PeerCell[] = own.flatMap((row) => {
        const other = peerRowFor(rows, row, peer);
        return other ? peerCells(row, other) : [];
      });
      const worst = cells.reduce<PeerCell | undefined>(
        (lowest, cell) => (lowest === undefined || cell.ratio < lowest.ratio ? cell : lowest),
        undefined,
      );
      if (!worst) {
        checks.push({
          id,
          goal,
          status: 'N/A',
          threshold: 1.0,
          detail: 'not measured (no payload both ran)',
        });
        continue;
      }
      const below = cells.filter((cell) => cell.ratio < 1.0).length;
      checks.push({
        id,
        goal,
        status: worst.ratio >= 1.0 ? 'PASS' : 'MISS',
        ratio: worst.ratio,
        threshold: 1.0,
        value: worst.udsipc,
        baseline: worst.peer,
        detail:
          `worst ${describeCell(worst)} = ${formatRatio(worst.ratio)}; ` +
          `${below} of ${cells.length} figures below 1.0×`,
      });
    }
  }
  return checks;
}
