import { type CodecName, DEFAULT_SOCKET_MODE, type TransportName } from '@udsipc/protocol';
import { STREAM_SERVER_DEFAULTS } from '@udsipc/transport-stream';

/**
 * What a server does when it is not told otherwise: the one place these live. `udsipc-server`'s
 * option table and its help text read them from here.
 */
export const SERVER_DEFAULTS: {
  readonly transport: TransportName;
  readonly codec: CodecName;
  /** Socket file mode: only the owner may connect. */
  readonly mode: number;
  /** Stream only: connections beyond this are refused. */
  readonly maxConnections: number;
  /** Stream only: a connection holding half a frame this long without new bytes is dropped. */
  readonly idleTimeoutMs: number;
} = {
  transport: 'dgram',
  codec: 'auto',
  mode: DEFAULT_SOCKET_MODE,
  maxConnections: STREAM_SERVER_DEFAULTS.maxConnections,
  idleTimeoutMs: STREAM_SERVER_DEFAULTS.idleTimeoutMs,
};

/** `0o600` as `0600`, the way operators write it. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
