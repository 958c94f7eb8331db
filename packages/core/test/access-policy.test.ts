import { describe, expect, it } from 'vitest';
import { mayCall } from '../src/access-policy.js';

const nobody = { uid: 65_534, gid: 65_534 };
const root = { uid: 0, gid: 0, pid: 1 };

describe('mayCall', () => {
  it('lets everyone in without a policy, or where no rule applies', () => {
    expect(mayCall(undefined, 'echo', undefined)).toBe(true);
    expect(mayCall({ byType: { stats: { uids: [0] } } }, 'echo', nobody)).toBe(true);
  });

  it('allows a listed uid or primary gid, refuses the rest and every unknown caller', () => {
    const policy = { uids: [0], gids: [50] };
    expect(mayCall(policy, 'echo', root)).toBe(true);
    expect(mayCall(policy, 'echo', { uid: 1000, gid: 50 })).toBe(true);
    expect(mayCall(policy, 'echo', nobody)).toBe(false);
    expect(mayCall(policy, 'echo', undefined)).toBe(false);
  });

  it('lets a per-type rule replace the server-wide one for its type only', () => {
    const policy = { uids: [0], byType: { echo: { uids: [65_534] } } };
    expect(mayCall(policy, 'echo', nobody)).toBe(true);
    expect(mayCall(policy, 'echo', root)).toBe(false);
    expect(mayCall(policy, 'stats', nobody)).toBe(false);
    expect(mayCall(policy, 'stats', root)).toBe(true);
  });
});
