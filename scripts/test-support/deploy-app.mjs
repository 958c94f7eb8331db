// What the apps' deploy tests share: running `pnpm deploy` for one app, and checking the folder
// it yields is self-contained. Plain JavaScript here so both apps' tests can import it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const WORKSPACE_ROOT = join(import.meta.dirname, '..', '..');

/** pnpm as the test was started with it (npm_execpath under `pnpm test`), else the one on PATH. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c?js|mjs)$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  }
  return ['pnpm', []];
}

/**
 * pnpm 10's legacy deploy also writes `<workspace root>/<target path>/node_modules/.bin` (pnpm
 * issues 10981 and 11246): remove that stray tree, and the directories it created, from the checkout.
 */
function removeStrayDeployTree(target) {
  const stray = join(WORKSPACE_ROOT, target);
  if (!existsSync(join(stray, 'node_modules'))) return;
  rmSync(stray, { recursive: true, force: true });
  for (let dir = dirname(stray); dir.startsWith(`${WORKSPACE_ROOT}/`); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty: it was there before
    }
  }
}

export async function deployApp(packageName, target) {
  const [command, prefix] = pnpmCommand();
  const args = [...prefix, '--filter', packageName, 'deploy', '--prod', '--prefer-offline', target];
  const { code, output } = await new Promise((resolve) => {
    const child = spawn(command, args, { cwd: WORKSPACE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      text += chunk;
    });
    child.once('close', (status) => resolve({ code: status, output: text }));
  });
  removeStrayDeployTree(target);
  if (code !== 0) throw new Error(`pnpm deploy of ${packageName} failed (${code}):\n${output}`);
}

function symlinksUnder(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) found.push(path);
      else if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

export function linksLeaving(root) {
  return symlinksUnder(root)
    .filter((link) => relative(root, realpathSync(link)).startsWith('..'))
    .map((link) => `${link} -> ${readlinkSync(link)}`);
}

export function deployedUnixDgram(deployed) {
  const transport = realpathSync(join(deployed, 'node_modules', '@udsipc', 'transport'));
  return realpathSync(join(dirname(transport), '..', 'unix-dgram'));
}
