// The systemd units in deploy/ must agree with each other and with the server: a socket unit's
// Listen path is the path the service names (the server refuses an adopted socket bound elsewhere
// than UDSIPC_SOCKET), it activates that service, and the service keeps the directory the socket
// file lives in when it stops (else the file would vanish while systemd still held the socket).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DEPLOY = join(import.meta.dirname, '..', 'deploy');

/** key -> values of one unit file (comments and section headers dropped; keys may repeat). */
function unit(name: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const line of readFileSync(join(DEPLOY, name), 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    entries.set(key, [...(entries.get(key) ?? []), value]);
  }
  return entries;
}

const service = unit('udsipc-server.service');
const socketPath = service
  .get('Environment')
  ?.find((value) => value.startsWith('UDSIPC_SOCKET='))
  ?.slice('UDSIPC_SOCKET='.length);

describe.each([
  ['udsipc-server.socket', 'ListenDatagram'],
  ['udsipc-server-stream.socket', 'ListenStream'],
])('deploy/%s', (name, listen) => {
  const socket = unit(name);

  it(`has one ${listen}= line, at the path the service's UDSIPC_SOCKET names`, () => {
    expect(socketPath).toBe('/run/udsipc/server.sock');
    expect(socket.get(listen)).toEqual([socketPath]);
    expect(socket.get(listen === 'ListenStream' ? 'ListenDatagram' : 'ListenStream')).toBeUndefined();
  });

  it("activates udsipc-server.service, with the service's user and a mode the server would accept", () => {
    expect(socket.get('Service')).toEqual(['udsipc-server.service']);
    expect(socket.get('SocketUser')).toEqual(service.get('User'));
    expect(socket.get('SocketMode')?.[0]).toMatch(/^0[67][0-7]0$/);
  });

  it('lives in the runtime directory the service keeps when it stops', () => {
    expect(service.get('RuntimeDirectory')).toEqual(['udsipc']);
    expect(service.get('RuntimeDirectoryPreserve')).toEqual(['yes']);
  });
});
