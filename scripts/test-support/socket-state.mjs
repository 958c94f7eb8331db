import { lstatSync, readFileSync } from 'node:fs';

/** __SO_ACCEPTCON in the Flags column of /proc/net/unix: the socket listens. */
const ACCEPTING = 0x10000;
/** SOCK_DGRAM in its Type column. */
const DATAGRAM = 2;

/**
 * Whether a socket bound at `path` takes what is sent to it, from the kernel's own table
 * (/proc/net/unix): a datagram socket once it is bound, a stream socket only once it listens.
 * Nothing connects to ask, so a server that serves a single connection (the seed's C programs) is
 * not used up. A datagram probe cannot tell this: a stream socket's file refuses it with
 * EPROTOTYPE as soon as it is bound, before listen(2), and a test that stopped the server there
 * (SIGSTOP) left it refusing every connection with ECONNREFUSED (seen once in CI under load).
 */
export function takesConnections(path) {
  let table;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return false;
  }
  for (const line of table.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || fields.slice(7).join(' ') !== path) continue;
    if (Number.parseInt(fields[4], 16) === DATAGRAM) return true;
    if ((Number.parseInt(fields[3], 16) & ACCEPTING) !== 0) return true;
  }
  return false;
}

/**
 * Whether a live server is bound at `path` and takes connections: a socket file, that `probe`
 * (transport-dgram's probeSocket) finds 'live', so a stale file left by a killed server does not
 * count, and takesConnections, so neither does a stream socket bound but not listening yet.
 */
export function serverTakesConnections(path, probe) {
  try {
    return lstatSync(path).isSocket() && probe(path) === 'live' && takesConnections(path);
  } catch {
    return false;
  }
}
