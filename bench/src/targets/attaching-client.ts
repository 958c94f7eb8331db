import type { RpcClient } from '@udsipc/node';
import type { BuiltinMessages } from '@udsipc/protocol';

type EchoClient = RpcClient<BuiltinMessages>;
type RequestOptions = Parameters<EchoClient['request']>[2];

/** A reply whose attachment did not come back whole: counted by the runner under this code. */
export class AttachmentEchoError extends Error {
  readonly code = 'BAD_ATTACHMENT_ECHO';
}

/**
 * The same client, with every echo it is asked for sent as `bytes` bytes of attachment (`data`)
 * beside the runner's text, which the attachment rows make empty (size 0). The runner
 * (`runEchoBench`) only sends text; wrapping its client keeps one runner, warm-up rule and
 * latency discipline for every udsipc row. One buffer serves every request: the client copies it
 * into each message and nothing here writes to it. Each reply's attachment length is checked (not
 * its bytes: comparing 1 MiB a reply would be the bench's cost, not the transport's), as the
 * baselines check the length of the text they get back.
 */
export function attachingClient(client: EchoClient, bytes: number): EchoClient {
  const data = Buffer.alloc(bytes, 0xa5);
  const attaching = Object.create(client) as EchoClient;
  const echo = (payload: { text: string }, options: RequestOptions) =>
    client.request('echo', { ...payload, data }, options).then((reply) => {
      if (reply.data?.byteLength !== bytes) {
        throw new AttachmentEchoError(
          `echo returned ${reply.data === undefined ? 'no attachment' : `${reply.data.byteLength} bytes`}, sent ${bytes}`,
        );
      }
      return reply;
    });
  // Installed with defineProperty, which takes it untyped: request's generic signature cannot be
  // narrowed on `type` to write it typed.
  const request = (type: string, payload: unknown, options: RequestOptions): Promise<unknown> =>
    type === 'echo'
      ? echo(payload as { text: string }, options)
      : Reflect.apply(client.request, client, [type, payload, options]);
  Object.defineProperty(attaching, 'request', { value: request });
  return attaching;
}
