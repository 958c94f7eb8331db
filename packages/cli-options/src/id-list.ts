import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type IdKind = 'user' | 'group';

/** Largest uid or gid the kernel accepts (uid_t is 32 bits; 2^32 - 1 means "none"). */
const MAX_ID = 4_294_967_294;
const DECIMAL = /^[0-9]+$/;
/** `name:x:id:...` lines, as /etc/passwd and /etc/group write them. */
const DATABASES: Record<IdKind, string> = { user: '/etc/passwd', group: '/etc/group' };

/** The local name-to-id table, read when a name is given (names from NSS services such as LDAP are not seen). */
function idsByName(kind: IdKind): Map<string, number> {
  const ids = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(DATABASES[kind], 'utf8');
  } catch {
    return ids;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id && DECIMAL.test(id)) ids.set(name, Number(id));
  }
  return ids;
}

/**
 * A comma-separated list of users or groups, each a name or a number (`root,1000`), as their ids.
 * A name must exist in /etc/passwd or /etc/group: a typo must not silently trust or allow no one.
 */
export function idList(kind: IdKind): z.ZodType<number[]> {
  return z.string().transform((text, context) => {
    const items = text.split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) {
      context.addIssue({ code: 'custom', message: `must be a comma-separated list of ${kind} names or ids` });
      return z.NEVER;
    }
    let names: Map<string, number> | undefined;
    const ids: number[] = [];
    for (const item of items) {
      if (DECIMAL.test(item)) {
        const id = Number(item);
        if (id > MAX_ID) {
          context.addIssue({ code: 'custom', message: `must list ${kind} ids up to ${MAX_ID}` });
          return z.NEVER;
        }
        ids.push(id);
        continue;
      }
      names ??= idsByName(kind);
      const id = names.get(item);
      if (id === undefined) {
        context.addIssue({
          code: 'custom',
          message: `must list existing ${kind}s (there is no ${kind} "${item}")`,
        });
        return z.NEVER;
      }
      ids.push(id);
    }
    return [...new Set(ids)];
  });
}
