import { z } from 'zod';
import { AttachmentSchema } from './attachments.js';

/** A JSON Schema document, as zod produces it. */
export type JsonSchema = Record<string, unknown>;

/** What `describe` answers: the contract of a running server, readable by another team. */
export const DescribeRequestSchema = z.object({});
export const DescribeReplySchema = z.object({
  /** The envelope version it speaks (`v`). */
  protocol: z.number().int(),
  /** The server program's own version, when it told its request/reply layer. */
  serverVersion: z.string().optional(),
  /** Every message type it answers, with the JSON Schema of its request and reply payloads. */
  types: z.record(
    z.string(),
    z.object({ request: z.record(z.string(), z.unknown()), reply: z.record(z.string(), z.unknown()) }),
  ),
});
export type DescribeReply = z.infer<typeof DescribeReplySchema>;

/**
 * The JSON Schema of one payload schema (zod's own conversion). A binary attachment, which JSON
 * Schema cannot express, is described as such: `x-udsipc: "attachment"`, and checked by nothing.
 */
export function payloadJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema === AttachmentSchema) {
        context.jsonSchema.description = 'binary data, sent as an attachment after the JSON';
        context.jsonSchema['x-udsipc'] = 'attachment';
      }
    },
  }) as JsonSchema;
}

/** The `types` of a describe reply: request and reply JSON Schemas of each type of `registry` listed. */
export function describeTypes(
  // A message registry, structurally (messages.ts imports this file, so not by its name).
  registry: Readonly<Record<string, { readonly request: z.ZodType; readonly reply: z.ZodType }>>,
  types: Iterable<string>,
): DescribeReply['types'] {
  const described: DescribeReply['types'] = {};
  for (const type of types) {
    const definition = Object.hasOwn(registry, type) ? registry[type] : undefined;
    if (!definition) continue;
    described[type] = {
      request: payloadJsonSchema(definition.request),
      reply: payloadJsonSchema(definition.reply),
    };
  }
  return described;
}
