import type { PeerId } from '../plan.js';

/**
 * Whether a peer can run here, checked in a process of its own before its rows (worker.ts
 * peer-probe): the package must load (zeromq: its native addon for this platform) and, for
 * zeromq, its libzmq must have the ipc:// transport. Throws with the reason otherwise.
 */
export async function probePeer(peer: PeerId): Promise<string> {
  switch (peer) {
    case 'peer-zeromq': {
      const zeromq = await import('zeromq');
      if (!zeromq.capability.ipc) throw new Error(`libzmq ${zeromq.version} was built without ipc://`);
      return `zeromq.js with libzmq ${zeromq.version}`;
    }
    case 'peer-node-ipc': {
      const { default: ipc } = await import('node-ipc');
      if (typeof ipc.serve !== 'function') throw new Error('node-ipc has no serve()');
      return 'node-ipc';
    }
  }
}
