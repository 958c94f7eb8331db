import { readFileSync } from 'node:fs';

/** Read at run time, so a deployed copy reports the version it was deployed with. */
function readVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}

export const VERSION: string = readVersion();
