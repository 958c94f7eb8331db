#!/usr/bin/env node
import { main } from './main.js';
import { flushed } from './output.js';

// A reader that went away (`udsipc-client run | head`): nobody reads any more, so stop at once.
// The transport's exit hook still removes the datagram reply socket.
process.stdout.on('error', () => process.exit(1));

const code = await main(process.argv.slice(2), process.env);
// Exit explicitly: a command has closed its client by now, and nothing else may keep the process up.
await flushed(process.stdout);
process.exit(code);
