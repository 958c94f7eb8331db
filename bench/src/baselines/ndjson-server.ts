import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { LineSplitter } from './line-splitter.js';

/**
 * The plain-Node stream baseline: an NDJSON echo server on node:net, as a careful application
 * would write one without a library. Each line is parsed (JSON.parse) and answered with
 * JSON.stringify of what came in; the replies to one 'data' chunk leave in one write.
 */
export function startNdjsonServer(path: string): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((connection) => {
    connection.setEncoding('utf8');
    const splitter = new LineSplitter();
    let out = '';
    const answer = (line: string) => {
      out += `${JSON.stringify(JSON.parse(line) as unknown)}\n`;
    };
    connection.on('data', (chunk: string) => {
      splitter.push(chunk, answer);
      if (out.length > 0) {
        connection.write(out);
        out = '';
      }
    });
    connection.on('error', () => connection.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
