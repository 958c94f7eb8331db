// pnpm only warns in some configurations when a dependency's build script is skipped; a missing
// unix-dgram addon would otherwise surface much later as a confusing runtime error. Fail the install.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const transportDir = join(import.meta.dirname, '..', 'packages', 'transport');
if (!existsSync(join(transportDir, 'package.json'))) process.exit(0);
const require = createRequire(join(transportDir, 'package.json'));
try {
  require('unix-dgram');
} catch (error) {
  console.error(
    '\nERROR: the native addon unix-dgram was not built (its install script was skipped or failed).',
  );
  console.error(`  ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  console.error('  It needs python3, make and a C++ compiler (Debian: apt-get install -y python3 make g++),');
  console.error(
    '  and pnpm must allow its build (onlyBuiltDependencies in pnpm-workspace.yaml). Then run pnpm install again.\n',
  );
  process.exit(1);
}
