// Each call against the real kernel: sockets bound in a temp dir, a real connection, real errnos.
import { closeSync, openSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import {
  adoptDescriptor,
  closeDescriptor,
  describeSocket,
  duplicateDescriptor,
  openBoundSocket,
  peerCredentials,
  raiseSendBuffer,
  SendOnlyDescriptor,
  SystemCallError,
} from '../src/mod.js';

let dir: string;
let cleanup: () => void;
const opened: number[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('udsipc-sys-'));
});

afterEach(() => {
  for (const fd of opened.splice(0)) closeDescriptor(fd);
  cleanup();
});

function bound(name: string, kind: 'stream' | 'dgram'): number {
  const fd = openBoundSocket(join(dir, name), kind);
  opened.push(fd);
  return fd;
}

describe('describeSocket', () => {
  it('tells a listening stream socket from a bound datagram socket, with the path each is bound at', () => {
    expect(describeSocket(bound('s.sock', 'stream'))).toEqual({
      kind: 'stream',
      path: join(dir, 's.sock'),
      listening: true,
    });
    expect(describeSocket(bound('d.sock', 'dgram'))).toEqual({
      kind: 'dgram',
      path: join(dir, 'd.sock'),
      listening: false,
    });
  });

  it('answers with the errno for a descriptor that is not a socket, or not open', () => {
    const file = openSync(join(dir, 'plain'), 'w');
    try {
      expect(describeSocket(file)).toBe('ENOTSOCK');
    } finally {
      closeSync(file);
    }
    expect(describeSocket(file)).toBe('EBADF');
  });
});

describe('openBoundSocket', () => {
  it('refuses a path already bound, with the errno, and leaves no descriptor behind', () => {
    bound('taken.sock', 'dgram');
    const error = (() => {
      try {
        openBoundSocket(join(dir, 'taken.sock'), 'dgram');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SystemCallError);
    expect(error).toMatchObject({ syscall: 'bind', code: 'EADDRINUSE' });
  });

  it('refuses a path the kernel could not bind (over 107 bytes)', () => {
    expect(() => openBoundSocket(join(dir, 'x'.repeat(120)), 'dgram')).toThrow(RangeError);
  });
});

describe('peerCredentials', () => {
  it("reads the connecting process's pid, uid and gid on the accepting side", async () => {
    const path = join(dir, 'creds.sock');
    let server: Server | undefined;
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
      server.listen(path);
    });
    const client = connect(path);
    const socket = await accepted;
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    try {
      expect(peerCredentials(fd)).toEqual({
        pid: process.pid,
        uid: process.getuid?.(),
        gid: process.getgid?.(),
      });
    } finally {
      client.destroy();
      socket.destroy();
      server?.close();
    }
  });

  it('is undefined for a socket with no peer', () => {
    expect(peerCredentials(bound('alone.sock', 'dgram'))).toBeUndefined();
  });
});

describe('adoptDescriptor', () => {
  it('puts the inherited socket in the place of the target descriptor and closes the inherited one', () => {
    const inherited = openBoundSocket(join(dir, 'inherited.sock'), 'dgram');
    const target = bound('own.sock', 'dgram');
    expect(adoptDescriptor(inherited, target)).toBeUndefined();
    expect(describeSocket(target)).toMatchObject({ path: join(dir, 'inherited.sock') });
    expect(describeSocket(inherited)).toBe('EBADF');
  });

  it('answers EBADF for an inherited descriptor that is not open, leaving the target as it was', () => {
    const target = bound('kept.sock', 'dgram');
    expect(adoptDescriptor(987, target)).toBe('EBADF');
    expect(describeSocket(target)).toMatchObject({ path: join(dir, 'kept.sock') });
  });
});

describe('duplicateDescriptor', () => {
  it('gives a second descriptor (3 or above) for the same listening socket, which outlives the first', () => {
    const fd = bound('listening.sock', 'stream');
    const copy = duplicateDescriptor(fd);
    if (typeof copy === 'string') throw new Error(copy);
    opened.push(copy);
    expect(copy).not.toBe(fd);
    expect(copy).toBeGreaterThanOrEqual(3);
    closeDescriptor(fd);
    opened.splice(opened.indexOf(fd), 1);
    // The socket is still there, listening, under the copy alone.
    expect(describeSocket(copy)).toMatchObject({
      kind: 'stream',
      listening: true,
      path: join(dir, 'listening.sock'),
    });
  });

  it('answers EBADF for a descriptor that is not open', () => {
    expect(duplicateDescriptor(987)).toBe('EBADF');
  });
});

describe('SendOnlyDescriptor', () => {
  it('sends from the socket it duplicates without blocking: EAGAIN once the receiver queue is full', () => {
    const sender = bound('sender.sock', 'dgram');
    bound('receiver.sock', 'dgram');
    const copy = SendOnlyDescriptor.duplicate(sender);
    if (typeof copy === 'string') throw new Error(copy);
    let outcome = 'ok';
    let sent = 0;
    // The receiver never reads: its queue fills (net.unix.max_dgram_qlen) and the next send must
    // come back at once as EAGAIN instead of blocking this test forever.
    while (outcome === 'ok' && sent < 100_000) {
      outcome = copy.sendTo(Buffer.from('x'), join(dir, 'receiver.sock'));
      if (outcome === 'ok') sent++;
    }
    expect(outcome).toBe('EAGAIN');
    expect(sent).toBeGreaterThan(0);
    expect(copy.sendTo(Buffer.from('x'), join(dir, 'nobody-here.sock'))).toBe('ENOENT');
    copy.close();
    expect(copy.sendTo(Buffer.from('x'), join(dir, 'receiver.sock'))).toBe('EBADF');
  });
});

describe('raiseSendBuffer', () => {
  it('raises a send buffer past wmem_max where it may (root), never lowers one, and names a bad descriptor', () => {
    const fd = bound('big.sock', 'dgram');
    const raised = raiseSendBuffer(fd, 4 * 1024 * 1024);
    expect(typeof raised).toBe('object');
    if (process.getuid?.() === 0) expect(raised).toEqual({ bytes: 8 * 1024 * 1024, forced: true });
    // Asking for less leaves it as it is.
    expect(raiseSendBuffer(fd, 4096)).toEqual({ bytes: (raised as { bytes: number }).bytes, forced: false });
    expect(raiseSendBuffer(999_999, 4096)).toBe('EBADF');
  });
});
