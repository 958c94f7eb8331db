// What the tests of every package share for child processes: spawning one with its output
// collected, waiting for a line of its stdout or for its exit. Plain JavaScript beside
// temp-dir.mjs, so tests of any package can import it.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { Changes } from './deferred.mjs';

/** Spawns `command`; stdout and stderr are collected, stdout also as lines. Never throws on a failed spawn: see `exited`. */
export function spawnProcess(command, args, options = {}) {
  const { env = process.env, cwd, uid, gid, stdin = 'ignore', fds = [], name = basename(command) } = options;
  const child = spawn(command, args, {
    // Descriptors handed over land at 3, 4 ... in the child, as a socket activator passes them.
    stdio: [stdin, 'pipe', 'pipe', ...fds],
    env,
    ...(cwd === undefined ? {} : { cwd }),
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
  });
  let stdout = '';
  let stderr = '';
  let partialLine = '';
  const lines = [];
  let closed = false;
  const changes = new Changes();
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk;
    const parts = (partialLine + chunk).split('\n');
    partialLine = parts.pop();
    for (const line of parts) lines.push(line);
    changes.wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  // A spawn that fails (ENOENT ...) emits 'error', then 'close' with a negative code.
  child.once('error', (error) => {
    stderr += `${error.message}\n`;
  });
  // 'close' comes after the exit and after both pipes are drained: the output is then complete.
  const exited = new Promise((resolve) => {
    child.once('close', (code) => {
      closed = true;
      resolve(code);
      changes.wake();
    });
  });
  const waitForLine = async (matches = () => true) => {
    for (let checked = 0; ; ) {
      for (; checked < lines.length; checked++) if (matches(lines[checked])) return lines[checked];
      if (closed) {
        const status = child.signalCode ?? child.exitCode;
        throw new Error(
          `${name} exited (${status}) without the expected line; stdout: ${stdout} stderr: ${stderr}`,
        );
      }
      await changes.wait();
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, lines: () => lines, exited, waitForLine };
}

/** `spawnProcess` of a script under this node. */
export function spawnNode(script, args, options = {}) {
  return spawnProcess(process.execPath, [script, ...args], { name: basename(script), ...options });
}

/** Runs `command` to its end; resolves with its exit code (null if killed by a signal) and output. */
export async function runProcess(command, args, options = {}) {
  const running = spawnProcess(command, args, options);
  const code = await running.exited;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}
