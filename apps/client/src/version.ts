import { readFileSync } from 'node:fs';

/** The version in this package's package.json, which sits one level above dist/ when installed or deployed. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
