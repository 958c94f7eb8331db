import type { ReplyEnvelope, RequestEnvelope } from './envelope.js';
import type { Frame } from './gather-frame.js';
import type { JsonLimits } from './json-codec.js';
import type { EventEnvelope } from './subscriptions.js';

export const CODEC_NAMES = ['auto', 'json', 'cstring'] as const;
/** `auto` is for servers: each message is answered in the wire format it arrived in. */
export type CodecName = (typeof CODEC_NAMES)[number];
export type WireFormat = Exclude<CodecName, 'auto'>;

/**
 * How one stream connection cuts its bytes into messages: a header of `headerBytes` says how long
 * the body after it is. Datagrams need none of this: one datagram is one message (or one batch).
 */
export interface StreamFraming {
  readonly headerBytes: number;
  /** The smallest message on the wire: nothing can be cut from fewer bytes. */
  readonly minFrameBytes: number;
  /** The body length announced by the header at `offset` (only read once `headerBytes` are there). */
  bodyBytes(data: Buffer, offset: number): number;
  /** One encoded message as it goes on a connection: header and body in one buffer, one write. */
  frame(body: Buffer): Buffer;
  /** The header alone, to be written before `body` (undefined for a format without one). */
  header(body: Frame): Buffer | undefined;
}

/**
 * Everything that differs between wire formats, in one object a peer holds: the request/reply
 * layer and the adapters ask it and never branch on the format's name.
 */
export interface Codec {
  readonly name: WireFormat;
  /**
   * Whether requests carry ids a server may remember, so a resend is answered from memory and not
   * run twice. The seed's cstring records carry none: each copy is run (at-least-once).
   */
  readonly remembersRequests: boolean;
  /** Whether several messages may share one datagram (the seed's programs read one record each). */
  readonly batches: boolean;
  readonly stream: StreamFraming;
  /** Server side: one received message to a request envelope. */
  decodeRequest(bytes: Uint8Array, limits: JsonLimits): RequestEnvelope;
  /** Server side: a reply, in this format. */
  encodeReply(reply: ReplyEnvelope, limits: JsonLimits): Buffer;
  /** Client side: a request, in this format. */
  encodeRequest(request: RequestEnvelope, limits: JsonLimits): Buffer;
  /** encodeReply's bytes as the request/reply layer sends them: large attachments not copied (gather-frame.ts). */
  encodeReplyFrame(reply: ReplyEnvelope, limits: JsonLimits): Frame;
  /** encodeRequest's bytes as the request/reply layer sends them: large attachments not copied. */
  encodeRequestFrame(request: RequestEnvelope, limits: JsonLimits): Frame;
  /** Client side: one received message to a reply envelope. */
  decodeReply(bytes: Uint8Array, limits: JsonLimits): ReplyEnvelope;
  /**
   * Client side: one received message, a reply or an event the server pushed (see
   * subscriptions.ts). A format without events (the seed's cstring) only ever has replies.
   */
  decodeFromServer(bytes: Uint8Array, limits: JsonLimits): ReplyEnvelope | EventEnvelope;
  /** Which of the requests waiting (in the order they were sent) a reply answers. */
  matchReply<T>(reply: ReplyEnvelope, waiting: ReadonlyMap<string, T>): T | undefined;
}
