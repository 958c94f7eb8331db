import { chmodSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../scripts/test-support/temp-dir.mjs';
import { userReplyDirectory } from '../src/reply-directory.js';

describe('userReplyDirectory', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    temp = makeTempDir('udsipc-replydir-');
  });
  afterEach(() => temp.cleanup());
  const uid = process.getuid?.() ?? 0;

  it('is $XDG_RUNTIME_DIR/udsipc when that is set', () => {
    expect(userReplyDirectory({ XDG_RUNTIME_DIR: '/run/user/7', TMPDIR: temp.dir })).toBe(
      '/run/user/7/udsipc',
    );
  });

  it('else makes a private udsipc-<uid>-XXXXXX in the temp dir, and later clients reuse it', () => {
    const env = { XDG_RUNTIME_DIR: '', TMPDIR: temp.dir };
    const first = userReplyDirectory(env);
    expect(first).toMatch(new RegExp(`/udsipc-${uid}-[A-Za-z0-9]{6}$`));
    expect(lstatSync(first).mode & 0o777).toBe(0o700);
    expect(userReplyDirectory(env)).toBe(first);
  });

  it('keeps the directory it chose while it exists, and chooses again once it is gone', () => {
    const env = { XDG_RUNTIME_DIR: '', TMPDIR: temp.dir };
    const first = userReplyDirectory(env);
    expect(userReplyDirectory(env)).toBe(first);
    rmSync(first, { recursive: true });
    const second = userReplyDirectory(env);
    expect(second).not.toBe(first);
    expect(lstatSync(second).isDirectory()).toBe(true);
  });

  it('passes over what it does not own as a directory: a symlink, a file, the old fixed name', () => {
    const env = { XDG_RUNTIME_DIR: '', TMPDIR: temp.dir };
    // The fixed name of earlier versions, and a symlink sorted first, are never used.
    mkdirSync(join(temp.dir, `udsipc-${uid}`), { mode: 0o777 });
    mkdirSync(join(temp.dir, 'elsewhere'));
    symlinkSync(join(temp.dir, 'elsewhere'), join(temp.dir, `udsipc-${uid}-0aaaaa`));
    chmodSync(join(temp.dir, 'elsewhere'), 0o700);
    const chosen = userReplyDirectory(env);
    expect(chosen).not.toBe(join(temp.dir, `udsipc-${uid}`));
    expect(chosen).not.toBe(join(temp.dir, `udsipc-${uid}-0aaaaa`));
    expect(lstatSync(chosen).isDirectory()).toBe(true);
  });
});
