import { readFileSync } from 'node:fs';

/**
 * utime + stime of a process, in clock ticks (sysconf(_SC_CLK_TCK), 100 a second on Linux), from
 * /proc/<pid>/stat: every thread, live or exited, of the process. Client processes read their own
 * ('self') and report the raw ticks, so they need no getconf; the bench converts them to seconds.
 * Undefined once the process is gone.
 */
export function cpuTicksOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3 (state); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}
