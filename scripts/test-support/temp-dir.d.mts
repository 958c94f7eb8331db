/** A fresh 0700 directory under the system temp dir, and a function that removes it with its contents. */
export function makeTempDir(prefix?: string): { dir: string; cleanup: () => void };
