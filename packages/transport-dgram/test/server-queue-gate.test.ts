import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatagramClientTransport } from '../src/dgram-client.js';
import { type GateWaiter, gateFor, releaseGate, ServerQueueGate } from '../src/server-queue-gate.js';

/** A client holding `frames` frames; the server's queue takes `room.left` more before it is full. */
function client(name: string, frames: number, room: { left: number }, gate: ServerQueueGate, sent: string[]) {
  const waiter: GateWaiter & { held: number } = {
    held: frames,
    flush() {
      while (waiter.held > 0) {
        if (room.left === 0) {
          gate.congested(waiter);
          return;
        }
        room.left--;
        waiter.held--;
        sent.push(name);
      }
    },
  };
  return waiter;
}

describe('server queue gate', () => {
  it('lets the clients in line send in the order they came, until one meets the queue full again', () => {
    const gate = new ServerQueueGate();
    const room = { left: 0 };
    const sent: string[] = [];
    const a = client('a', 2, room, gate, sent);
    const b = client('b', 2, room, gate, sent);
    const c = client('c', 1, room, gate, sent);
    a.flush();
    expect(gate.isFull).toBe(true);
    gate.wait(b);
    gate.wait(c);
    room.left = 3;
    gate.open();
    // a sends both, b one, then meets the queue full and goes to the back of the line.
    expect(sent).toEqual(['a', 'a', 'b']);
    expect(gate.isFull).toBe(true);
    room.left = 5;
    gate.open();
    expect(sent).toEqual(['a', 'a', 'b', 'c', 'b']);
    expect(gate.isFull).toBe(false);
    for (const waiter of [a, b, c]) gate.leave(waiter);
  });

  it('opens by itself should no wake-up come, and a line emptied by leaving is no longer full', async () => {
    const gate = new ServerQueueGate();
    const room = { left: 0 };
    const sent: string[] = [];
    const a = client('a', 1, room, gate, sent);
    a.flush();
    room.left = 1;
    // No open() call: the guard timer lets the line try again.
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual(['a']);
    expect(gate.isFull).toBe(false);

    const b = client('b', 1, { left: 0 }, gate, sent);
    b.flush();
    expect(gate.isFull).toBe(true);
    gate.leave(b);
    expect(gate.isFull).toBe(false);
  });

  it('is shared by the clients of one server path in a process, and forgotten when the last gives it back', () => {
    const noop: GateWaiter = { flush: () => {} };
    const first = gateFor('/run/x.sock');
    const second = gateFor('/run/x.sock');
    expect(second).toBe(first);
    expect(gateFor('/run/y.sock')).not.toBe(first);
    releaseGate('/run/x.sock', first, noop);
    expect(gateFor('/run/x.sock')).toBe(first);
    releaseGate('/run/x.sock', first, noop);
    releaseGate('/run/x.sock', first, noop);
    expect(gateFor('/run/x.sock')).not.toBe(first);
  });
});

describe("a datagram client's place in its gate", () => {
  const noop: GateWaiter = { flush: () => {} };

  /** Whether the gate of `path` is still held by someone besides one probe joining and leaving. */
  function heldByOthers(path: string): boolean {
    const probe = gateFor(path);
    releaseGate(path, probe, noop);
    const again = gateFor(path);
    releaseGate(path, again, noop);
    return again === probe;
  }

  it('is taken when it opens and given back when it closes; a client that never opens, or fails to, holds none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udsipc-gate-'));
    try {
      const path = join(dir, 'server.sock');
      // Never opened.
      new DatagramClientTransport({ path, wire: 'json', replyDirectory: join(dir, 'replies') });
      expect(heldByOthers(path)).toBe(false);
      // Its open fails: the reply directory cannot be made under a regular file.
      writeFileSync(join(dir, 'file'), '');
      const failing = new DatagramClientTransport({
        path,
        wire: 'json',
        replyDirectory: join(dir, 'file', 'replies'),
      });
      await expect(
        failing.open(
          () => {},
          () => {},
        ),
      ).rejects.toThrow();
      expect(heldByOthers(path)).toBe(false);
      // Opened (no server needed to bind its own sockets), then closed.
      const open = new DatagramClientTransport({ path, wire: 'json', replyDirectory: join(dir, 'replies') });
      await open.open(
        () => {},
        () => {},
      );
      expect(heldByOthers(path)).toBe(true);
      await open.close();
      expect(heldByOthers(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
