import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** The libc calls this package makes, typed the way they are called here. */
export interface Libc {
  getsockopt(fd: number, level: number, name: number, value: Buffer, length: number[]): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  getsockname(fd: number, address: Buffer, length: number[]): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  listen(fd: number, backlog: number): number;
  close(fd: number): number;
  dup3(from: number, to: number, flags: number): number;
  sendto(
    fd: number,
    data: Buffer,
    length: number,
    flags: number,
    address: Buffer,
    addressLength: number,
  ): number;
  fcntlGet(fd: number, command: number): number;
  fcntlSet(fd: number, command: number, value: number): number;
  /** The errno of the last failed call, by name (EBADF, ENOTSOCK ...). */
  errno(): string;
}

let libc: Libc | null | undefined;

/** errno numbers by name, the first name of each (EAGAIN, not its alias EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

/**
 * libc through koffi, a maintained FFI with prebuilt binaries, loaded on first use: Node has no API
 * for SO_PEERCRED (libuv issue 2255), getsockname on a descriptor it did not open, or dup3.
 * Null when it cannot be loaded here (another platform, no prebuilt binary).
 */
export function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    // Loaded by its real path: koffi finds its prebuilt binary relative to its own directory
    // (`../../../@koromix/koffi-<platform>`), which under pnpm exists only beside the real package,
    // not beside the node_modules/koffi link. Node does not always resolve that link (seen from the
    // CLIs run in a shell: SO_PEERCRED then failed and stream servers were not trusted).
    const require = createRequire(import.meta.url);
    const koffi = require(realpathSync(require.resolve('koffi'))) as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    const getsockopt = lib.func('int getsockopt(int, int, int, _Out_ uint8_t *, _Inout_ uint32_t *)');
    const setsockopt = lib.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)');
    const getsockname = lib.func('int getsockname(int, _Out_ uint8_t *, _Inout_ uint32_t *)');
    const socket = lib.func('int socket(int, int, int)');
    const bind = lib.func('int bind(int, const uint8_t *, uint32_t)');
    const listen = lib.func('int listen(int, int)');
    const close = lib.func('int close(int)');
    const dup3 = lib.func('int dup3(int, int, int)');
    const sendto = lib.func('long sendto(int, const uint8_t *, size_t, int, const uint8_t *, uint32_t)');
    // fcntl is variadic in C: declared so, its third argument is passed with its type.
    const fcntl = lib.func('int fcntl(int, int, ...)');
    libc = {
      getsockopt: (fd, level, name, value, length) => getsockopt(fd, level, name, value, length) as number,
      setsockopt: (fd, level, name, value, length) => setsockopt(fd, level, name, value, length) as number,
      getsockname: (fd, address, length) => getsockname(fd, address, length) as number,
      socket: (domain, type, protocol) => socket(domain, type, protocol) as number,
      bind: (fd, address, length) => bind(fd, address, length) as number,
      listen: (fd, backlog) => listen(fd, backlog) as number,
      close: (fd) => close(fd) as number,
      dup3: (from, to, flags) => dup3(from, to, flags) as number,
      sendto: (fd, data, length, flags, address, addressLength) =>
        Number(sendto(fd, data, length, flags, address, addressLength)),
      fcntlGet: (fd, command) => fcntl(fd, command) as number,
      fcntlSet: (fd, command, value) => fcntl(fd, command, 'int', value) as number,
      errno: () => ERRNO_NAMES.get(koffi.errno()) ?? `errno ${koffi.errno()}`,
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** What a call answers when libc cannot be reached through the FFI. */
export const FFI_UNAVAILABLE = 'FFI_UNAVAILABLE';
