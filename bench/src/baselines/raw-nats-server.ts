import { connect, type NatsConnection } from 'nats';
import type { NatsTarget } from '../plan.js';

/**
 * A queue group, as udsipc-server joins one on its subject: NATS routes both rows' requests the
 * same way, so the gap between them is udsipc's own work.
 */
const QUEUE_GROUP = 'raw-nats-bench';

/**
 * The raw NATS baseline's server: nats.js with nothing above it, as the shortest request/reply
 * server one can write. Each message's bytes go back unread to its reply subject; nats.js
 * coalesces what is published in one turn of the event loop into one write.
 */
export async function startRawNatsServer(target: NatsTarget): Promise<NatsConnection> {
  const connection = await connect({ servers: target.url, name: `raw-nats bench server ${process.pid}` });
  connection.subscribe(target.subject, {
    queue: QUEUE_GROUP,
    callback: (error, message) => {
      if (error) {
        process.stderr.write(`raw-nats server: ${error.message}\n`);
        process.exit(1);
      }
      if (message.reply) connection.publish(message.reply, message.data);
    },
  });
  // Once the round trip is back NATS has the subscription: a request sent after "ready" finds it.
  await connection.flush();
  return connection;
}
