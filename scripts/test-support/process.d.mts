import type { ChildProcess } from 'node:child_process';

export interface SpawnProcessOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** stdin of the child (default 'ignore'). */
  stdin?: 'ignore' | 'pipe' | 'inherit';
  /** Descriptors of this process to hand over, at 3, 4 ... in the child (as socket activation does). */
  fds?: readonly number[];
  /** What error messages call it (default: the command's or script's file name). */
  name?: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything written to stdout so far (all of it once `exited` has settled). */
  stdout(): string;
  stderr(): string;
  /** The complete stdout lines so far. */
  lines(): readonly string[];
  /** Resolves with the exit code (null when killed by a signal) once stdout and stderr are drained. */
  exited: Promise<number | null>;
  /** The first complete stdout line matching (any line by default), as soon as it is read; rejects if the process exits first. */
  waitForLine(matches?: (line: string) => boolean): Promise<string>;
}

/** Spawns `command`; stdout and stderr are collected, stdout also as lines. Never throws on a failed spawn: see `exited`. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options?: SpawnProcessOptions,
): Running;

/** `spawnProcess` of a script under this node. */
export function spawnNode(script: string, args: readonly string[], options?: SpawnProcessOptions): Running;

/** Runs `command` to its end; resolves with its exit code (null if killed by a signal) and output. */
export function runProcess(
  command: string,
  args: readonly string[],
  options?: SpawnProcessOptions,
): Promise<{ code: number | null; stdout: string; stderr: string }>;
