#!/usr/bin/env node
/**
 * The processes of `pnpm bench` other than the C program, one role per process:
 *
 *   node dist/worker.js ndjson-server|raw-dgram-server|zeromq-server|node-ipc-server SOCKET
 *   node dist/worker.js raw-nats-server NATS_TARGET_JSON
 *   node dist/worker.js ndjson-client|raw-dgram-client|raw-nats-client|zeromq-client|node-ipc-client SPEC_JSON
 *   node dist/worker.js udsipc-stream-client|udsipc-dgram-client|udsipc-nats-client SPEC_JSON
 *   node dist/worker.js peer-probe peer-zeromq|peer-node-ipc
 *   node dist/worker.js scale-client SCALE_SPEC_JSON
 *   node dist/worker.js load-client LOAD_SPEC_JSON
 *   node dist/worker.js layer-floor LAYER_SPEC_JSON
 *
 * Servers print "ready" once bound and serve until killed. Clients print one JSON line with their
 * results and exit. Each role's module is imported on its own, so a baseline or peer server loads
 * nothing of udsipc (its memory is its own). peer-probe prints what it found, or fails with why.
 */
import type { LayerSpec } from './layer-floor.js';
import type { LoadClientSpec } from './load-client.js';
import type { ClientSpec, NatsTarget, PeerId } from './plan.js';
import type { ScaleClientSpec } from './scale-client.js';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function main(role: string | undefined, argument: string | undefined): Promise<void> {
  if (argument === undefined) throw new Error(`usage: worker.js ROLE ARGUMENT (role ${role ?? 'missing'})`);
  switch (role) {
    case 'ndjson-server': {
      const { startNdjsonServer } = await import('./baselines/ndjson-server.js');
      await startNdjsonServer(argument);
      print('ready');
      return;
    }
    case 'raw-dgram-server': {
      const { startRawDgramServer } = await import('./baselines/raw-dgram-server.js');
      startRawDgramServer(argument);
      print('ready');
      return;
    }
    case 'raw-nats-server': {
      const { startRawNatsServer } = await import('./baselines/raw-nats-server.js');
      await startRawNatsServer(JSON.parse(argument) as NatsTarget);
      print('ready');
      return;
    }
    case 'zeromq-server': {
      const { startZeromqServer } = await import('./peers/zeromq-server.js');
      await startZeromqServer(argument);
      print('ready');
      return;
    }
    case 'node-ipc-server': {
      const { startNodeIpcServer } = await import('./peers/node-ipc-server.js');
      await startNodeIpcServer(argument);
      print('ready');
      return;
    }
    case 'zeromq-client': {
      const { runZeromqClient } = await import('./peers/zeromq-client.js');
      print(await runZeromqClient(JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'node-ipc-client': {
      const { runNodeIpcClient } = await import('./peers/node-ipc-client.js');
      print(await runNodeIpcClient(JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'peer-probe': {
      const { probePeer } = await import('./peers/probe.js');
      print(await probePeer(argument as PeerId));
      return;
    }
    case 'ndjson-client': {
      const { runNdjsonClient } = await import('./baselines/ndjson-client.js');
      print(await runNdjsonClient(JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'raw-nats-client': {
      const { runRawNatsClient } = await import('./baselines/raw-nats-client.js');
      print(await runRawNatsClient(JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'raw-dgram-client': {
      const { runRawDgramClient } = await import('./baselines/raw-dgram-client.js');
      print(await runRawDgramClient(JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'udsipc-stream-client':
    case 'udsipc-dgram-client':
    case 'udsipc-nats-client': {
      const { runUdsipcClient } = await import('./targets/udsipc.js');
      const transport =
        role === 'udsipc-stream-client' ? 'stream' : role === 'udsipc-dgram-client' ? 'dgram' : 'nats';
      print(await runUdsipcClient(transport, JSON.parse(argument) as ClientSpec));
      return;
    }
    case 'layer-floor': {
      const { runLayerFloor } = await import('./layer-floor.js');
      print(await runLayerFloor(JSON.parse(argument) as LayerSpec));
      return;
    }
    case 'scale-client': {
      const { runScaleClient } = await import('./scale-client.js');
      await runScaleClient(JSON.parse(argument) as ScaleClientSpec);
      return;
    }
    case 'load-client': {
      const { runLoadClient } = await import('./load-client.js');
      await runLoadClient(JSON.parse(argument) as LoadClientSpec);
      return;
    }
    default:
      throw new Error(`unknown worker role "${role}"`);
  }
}

const [role, argument] = process.argv.slice(2);
main(role, argument).then(
  () => {
    // Servers keep running on their sockets; clients are done once they have printed.
    if (!role?.endsWith('-server')) process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench worker ${role}: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
