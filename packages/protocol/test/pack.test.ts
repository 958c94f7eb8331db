import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');
const workDir = mkdtempSync(join(tmpdir(), 'udsipc-pack-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the packed @udsipc/protocol', () => {
  it('installs outside the workspace and imports as ESM with types', () => {
    execFileSync('pnpm', ['pack', '--pack-destination', workDir], { cwd: packageDir, stdio: 'pipe' });
    const tarball = readdirSync(workDir).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const consumer = join(workDir, 'consumer');
    execFileSync('mkdir', ['-p', consumer]);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--silent',
        join(workDir, tarball!),
        'typescript@5.9.3',
        '@types/node@20',
      ],
      {
        cwd: consumer,
        stdio: 'pipe',
      },
    );
    writeFileSync(
      join(consumer, 'main.ts'),
      [
        "import { builtinMessages, decodeJsonRequest, encodeJson, type RequestEnvelope } from '@udsipc/protocol';",
        "const request: RequestEnvelope = { v: 1, id: 'c:1', type: 'echo', payload: { text: 'hi' } };",
        'const decoded = decodeJsonRequest(encodeJson(request, { maxBytes: 100 }), { maxBytes: 100 });',
        'const checked = builtinMessages.echo.request.parse(decoded.payload);',
        'console.log(JSON.stringify(checked));',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          outDir: 'out',
          skipLibCheck: false,
          types: ['node'],
        },
        include: ['main.ts'],
      }),
    );
    execFileSync(join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', '.'], {
      cwd: consumer,
      stdio: 'pipe',
    });
    const output = execFileSync('node', [join(consumer, 'out', 'main.js')], { cwd: consumer })
      .toString()
      .trim();
    expect(JSON.parse(output)).toEqual({ text: 'hi' });
  }, 120_000);
});
