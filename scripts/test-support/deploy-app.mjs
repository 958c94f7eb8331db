// What the apps' deploy tests share: running `pnpm deploy` for one app, and checking the folder
// it yields is self-contained. Plain JavaScript here so both apps' tests can import it.
import { existsSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { runProcess } from './process.mjs';

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
  const { code, stdout, stderr } = await runProcess(command, args, { cwd: WORKSPACE_ROOT, name: 'pnpm' });
  removeStrayDeployTree(target);
  if (code !== 0) throw new Error(`pnpm deploy of ${packageName} failed (${code}):\n${stdout}${stderr}`);
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

/** The unix-dgram a deployed app loads: the datagram adapter's dependency, reached through @udsipc/node. */
export function deployedUnixDgram(deployed) {
  const library = realpathSync(join(deployed, 'node_modules', '@udsipc', 'node'));
  const adapter = realpathSync(join(dirname(library), 'transport-dgram'));
  return realpathSync(join(dirname(adapter), '..', 'unix-dgram'));
}
