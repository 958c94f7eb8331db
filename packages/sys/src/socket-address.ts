import { AF_UNIX, SOCKADDR_UN_BYTES, SUN_PATH_OFFSET } from './linux.js';

/** A struct sockaddr_un for a filesystem path, with the length bind(2) takes. */
export function sockaddrFor(path: string): { address: Buffer; length: number } {
  const bytes = Buffer.from(path);
  // sun_path holds 108 bytes including the terminating NUL.
  if (bytes.length === 0 || bytes.length > SOCKADDR_UN_BYTES - SUN_PATH_OFFSET - 1 || bytes.includes(0)) {
    throw new RangeError(`not a bindable UNIX socket path: ${JSON.stringify(path)}`);
  }
  const address = Buffer.alloc(SOCKADDR_UN_BYTES);
  address.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(address, SUN_PATH_OFFSET);
  return { address, length: SUN_PATH_OFFSET + bytes.length + 1 };
}

/**
 * The filesystem path in a sockaddr_un the kernel filled in: undefined for an unbound socket (only
 * the family) and for an abstract one (sun_path starting with NUL), which has no file.
 */
export function pathOf(address: Buffer, length: number): string | undefined {
  if (length <= SUN_PATH_OFFSET || address.readUInt16LE(0) !== AF_UNIX) return undefined;
  const path = address.subarray(SUN_PATH_OFFSET, length);
  if (path[0] === 0) return undefined;
  const end = path.indexOf(0);
  return path.subarray(0, end === -1 ? path.length : end).toString();
}
