import type { Caller } from './caller.js';

/** Who may: a caller whose uid is listed, or whose group (its primary gid, as the kernel reports it) is. */
export interface AccessRule {
  readonly uids?: readonly number[];
  readonly gids?: readonly number[];
}

/**
 * Who may send which requests. `byType` rules replace the server-wide rule for their message type;
 * a type with neither is open to every caller (as a server with no policy is). A caller the kernel
 * could not name is refused wherever a rule applies: unknown is never allowed.
 */
export interface AccessPolicy extends AccessRule {
  readonly byType?: Readonly<Record<string, AccessRule>>;
}

function isRule(rule: AccessRule): boolean {
  return rule.uids !== undefined || rule.gids !== undefined;
}

/** Whether `caller` may send a request of `type` under `policy`. */
export function mayCall(policy: AccessPolicy | undefined, type: string, caller: Caller | undefined): boolean {
  if (!policy) return true;
  const own = policy.byType && Object.hasOwn(policy.byType, type) ? policy.byType[type] : undefined;
  const rule = own ?? policy;
  if (!isRule(rule)) return true;
  if (!caller) return false;
  return (rule.uids?.includes(caller.uid) ?? false) || (rule.gids?.includes(caller.gid) ?? false);
}
