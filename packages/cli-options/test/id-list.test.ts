import { describe, expect, it } from 'vitest';
import { idList } from '../src/id-list.js';

describe('idList', () => {
  it('reads names (from /etc/passwd and /etc/group) and ids, once each', () => {
    expect(idList('user').parse('root,1000,0')).toEqual([0, 1000]);
    expect(idList('group').parse('root')).toEqual([0]);
    expect(idList('user').parse(' 65534 ')).toEqual([65_534]);
  });

  it('refuses an unknown name, an empty item and an id out of range, saying which', () => {
    const reason = (kind: 'user' | 'group', text: string) => {
      const result = idList(kind).safeParse(text);
      return result.success ? 'accepted' : result.error.issues[0]?.message;
    };
    expect(reason('user', 'no-such-user-here')).toBe(
      'must list existing users (there is no user "no-such-user-here")',
    );
    expect(reason('group', 'root,,0')).toBe('must be a comma-separated list of group names or ids');
    expect(reason('user', '4294967295')).toBe('must list user ids up to 4294967294');
  });
});
