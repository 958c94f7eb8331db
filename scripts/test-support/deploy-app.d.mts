/** Runs `pnpm --filter <packageName> deploy --prod <target>` from the workspace root; throws with pnpm's output on failure. */
export function deployApp(packageName: string, target: string): Promise<void>;
/** Every symlink under `root` that resolves outside it, as `link -> target`: a self-contained folder has none. */
export function linksLeaving(root: string): string[];
/** The unix-dgram package the deployed folder's datagram adapter (@udsipc/transport-dgram) resolves to. */
export function deployedUnixDgram(deployed: string): string;
