import { describe, expect, it } from 'vitest';
import { defaultServerTrust, trustsOwner } from '../src/server-trust.js';

describe('server trust', () => {
  it("trusts root's servers and the user's own by default, nobody else's", () => {
    const trust = defaultServerTrust();
    const self = process.getuid?.() ?? 0;
    expect(trustsOwner(trust, { uid: 0, gid: 0 })).toBe(true);
    expect(trustsOwner(trust, { uid: self, gid: 12_345 })).toBe(true);
    expect(trustsOwner(trust, { uid: 65_534, gid: 65_534 })).toBe(self === 65_534);
  });

  it('trusts a listed user, or a listed group whatever the user', () => {
    const trust = { uids: [1000], gids: [50] };
    expect(trustsOwner(trust, { uid: 1000, gid: 1 })).toBe(true);
    expect(trustsOwner(trust, { uid: 2000, gid: 50 })).toBe(true);
    expect(trustsOwner(trust, { uid: 0, gid: 0 })).toBe(false);
  });
});
