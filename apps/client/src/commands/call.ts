import type { RpcClient } from '@udsipc/node';
import { describeZodIssue, ProtocolError } from '@udsipc/protocol';
import { z } from 'zod';
import type { Command } from '../options.js';
import type { CommandContext } from './context.js';
import { oneRequest } from './one-request.js';

/** A reply on one line; binary attachments shown by their size, not as arrays of numbers. */
function renderReply(reply: object): string {
  return `reply: ${JSON.stringify(reply, (_key, value: unknown) =>
    value instanceof Uint8Array ? `<${value.byteLength} bytes>` : value,
  )}`;
}

/**
 * Sends `payload` as `type` after checking it against the schema the server itself describes:
 * whoever calls needs none of the server's code. Nothing is sent for a type the server does not
 * answer (UNKNOWN_TYPE) or a payload that fails the schema (INVALID_PAYLOAD, naming the field).
 */
async function checkedCall(
  client: RpcClient,
  type: string,
  payload: unknown,
  signal: AbortSignal,
): Promise<object> {
  const contract = await client.request('describe', {}, { signal });
  const described = Object.hasOwn(contract.types, type) ? contract.types[type] : undefined;
  if (!described) {
    const served = Object.keys(contract.types).join(', ');
    throw new ProtocolError('UNKNOWN_TYPE', `the server does not answer "${type}" (it answers ${served})`, {
      field: 'type',
    });
  }
  const checked = z.fromJSONSchema(described.request).safeParse(payload);
  if (!checked.success) {
    const { field, message } = describeZodIssue(checked.error, 'payload');
    throw new ProtocolError(
      'INVALID_PAYLOAD',
      `invalid ${field} for type "${type}": ${message} (nothing was sent)`,
      {
        field,
      },
    );
  }
  // The type is the server's, not in this client's registry: the reply comes back unchecked here,
  // after the server checked it against the same schema.
  const untyped = client as unknown as {
    request(type: string, payload: unknown, options: object): Promise<object>;
  };
  return untyped.request(type, payload, { signal });
}

export function callCommand(
  command: Extract<Command, { name: 'call' }>,
  context: CommandContext,
): Promise<number> {
  return oneRequest(
    command.connection,
    context,
    (client, signal) => checkedCall(client, command.type, command.payload, signal),
    renderReply,
  );
}
