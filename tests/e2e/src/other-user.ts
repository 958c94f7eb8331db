// Running a process as another local user, for the tests that play an attacker or a second user.
import { spawnSync } from 'node:child_process';

export const NOBODY_UID = 65_534;
export const NOBODY_GID = 65_534;

/** Put before a command (then `process.execPath` and its arguments): runs it as nobody:nogroup, no other groups. */
export const AS_NOBODY: readonly string[] = [
  'setpriv',
  '--reuid=nobody',
  '--regid=nogroup',
  '--clear-groups',
];

/** Put before a command: runs it as daemon:daemon (uid 1), no other groups. */
export const AS_DAEMON: readonly string[] = ['setpriv', '--reuid=daemon', '--regid=daemon', '--clear-groups'];

/** Put before a command: runs it as bin:bin (uid 2) with daemon as a supplementary group. */
export const AS_BIN_IN_DAEMON_GROUP: readonly string[] = [
  'setpriv',
  '--reuid=bin',
  '--regid=bin',
  '--groups=daemon',
];

/**
 * Why node cannot be run as user nobody here (not root, no setpriv, nobody cannot run `args`), or
 * undefined when it can. The suites that need it skip with this reason.
 */
export function nobodyUnavailable(args: readonly string[] = ['--version']): string | undefined {
  return userUnavailable(AS_NOBODY, args);
}

/** The same question for any `wrap` (AS_DAEMON ...): why it cannot run node `args` here, if it cannot. */
export function userUnavailable(
  wrap: readonly string[],
  args: readonly string[] = ['--version'],
): string | undefined {
  if (process.getuid?.() !== 0) return 'running a process as another user needs root';
  const probe = spawnSync(wrap[0]!, [...wrap.slice(1), process.execPath, ...args], { encoding: 'utf8' });
  if (probe.error) return `setpriv is not available (${(probe.error as NodeJS.ErrnoException).code})`;
  if (probe.status !== 0)
    return `${wrap.join(' ')} cannot run node ${args.join(' ')}: ${probe.stderr.trim()}`;
  return undefined;
}
