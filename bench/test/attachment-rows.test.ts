// The attachment rows against the large text rows of the same bytes: their ratios, their targets,
// and what the peer targets leave out. Synthetic rows, so no process runs and no speed is asserted.

import { MAX_DATAGRAM_BYTES } from '@udsipc/protocol';
import { describe, expect, it } from 'vitest';
import { largeTargets } from '../src/large-targets.js';
import { peerTargets } from '../src/peer-targets.js';
import {
  attachmentPayload,
  budgetKey,
  type PayloadId,
  payloadFor,
  TRANSPORT_IDS,
  type TransportId,
} from '../src/plan.js';
import type { RowResult } from '../src/rows.js';
import { counterpart, pipelinedTable } from '../src/table.js';
import { syntheticRow } from './synthetic-row.js';

/** A row of one run whose w8 phase measured `w8` msgs/s (the figures the large targets read). */
function row(transport: TransportId, payload: PayloadId, w8: number): RowResult {
  return syntheticRow(transport, payload, [{ name: 'w8', window: 8, msgsPerSec: w8 }]);
}

const ROWS = [
  row('c-stream', 'large', 1_000),
  row('net-ndjson', 'large', 50),
  row('udsipc-stream', 'large', 60),
  row('udsipc-stream', 'attachment', 400),
  row('raw-dgram', 'large', 8_000),
  row('udsipc-dgram', 'attachment', 3_000),
  row('peer-zeromq', 'large', 100),
];

describe('the attachment payload', () => {
  it('is run by the udsipc rows only, with the bytes and budget of the large payload', () => {
    const runs = TRANSPORT_IDS.filter((id) => payloadFor(id, 'attachment') !== undefined);
    expect(runs).toEqual(['udsipc-stream', 'udsipc-dgram']);
    for (const kind of ['stream', 'dgram'] as const) {
      const large = payloadFor(kind === 'stream' ? 'net-ndjson' : 'raw-dgram', 'large')!;
      expect(attachmentPayload(kind)).toEqual({
        id: 'attachment',
        bytes: large.bytes,
        label: `${large.label} att.`,
        attachment: true,
      });
      expect(budgetKey('attachment', kind)).toBe(budgetKey('large', kind));
    }
    // The datagram one leaves room under the datagram limit for the 5-byte header and the JSON.
    expect(MAX_DATAGRAM_BYTES - attachmentPayload('dgram').bytes).toBeGreaterThan(5 + 512);
  });

  it('is compared with the baseline and C rows of the large payload', () => {
    const streamAtt = ROWS[3]!;
    expect(counterpart(ROWS, streamAtt, 'c')).toBe(ROWS[0]);
    expect(counterpart(ROWS, streamAtt, 'baseline')).toBe(ROWS[1]);
    expect(counterpart(ROWS, ROWS[5]!, 'baseline')).toBe(ROWS[4]);
    const line = pipelinedTable(ROWS)
      .split('\n')
      .find((text) => /^udsipc stream +1 MiB att\. /.test(text));
    // w8 ×base 400 / 50, w8 ×C 400 / 1,000.
    expect(line).toMatch(/ 400 .* 8\.00× +0\.40× /);
  });

  it("has the issue's targets: PASS or MISS with both figures, N/A naming the row that did not run", () => {
    const checks = largeTargets(ROWS);
    expect(checks.map((check) => [check.id, check.status, check.ratio])).toEqual([
      ['stream-large-text-w8', 'PASS', 60 / 50],
      ['stream-attachment-w8', 'PASS', 400 / 1_000],
      ['dgram-attachment-w8', 'MISS', 3_000 / 8_000],
    ]);
    expect(checks[1]!.detail).toBe('400 msgs/s / 1.00k msgs/s = 0.40×');
    const withoutC = largeTargets(ROWS.filter((candidate) => candidate.transport !== 'c-stream'));
    expect(withoutC[1]).toMatchObject({ status: 'N/A', detail: 'not measured (C stream 1 MiB not run)' });
  });

  it('stays out of the peer targets, which compare payloads both sides ran', () => {
    const [stream] = peerTargets(ROWS);
    // Only udsipc stream 1 MiB text (60) against zeromq 1 MiB (100); the attachment's 400 is left out.
    expect(stream).toMatchObject({
      id: 'udsipc-stream-vs-peer-zeromq',
      status: 'MISS',
      value: 60,
      baseline: 100,
    });
  });
});
