import type { Codec } from './codec.js';
import {
  decodeJsonReply,
  decodeJsonRequest,
  decodeJsonServerMessage,
  encodeJson,
  encodeJsonFrame,
} from './json-codec.js';
import { FRAME_HEADER_BYTES, framed, frameHeader } from './stream-frame.js';

/** udsipc's own format: JSON envelopes with ids; replies are matched to requests by id. */
export const jsonCodec: Codec = {
  name: 'json',
  remembersRequests: true,
  batches: true,
  stream: {
    headerBytes: FRAME_HEADER_BYTES,
    minFrameBytes: FRAME_HEADER_BYTES,
    bodyBytes: (data, offset) => data.readUInt32BE(offset),
    frame: framed,
    header: (body) => frameHeader(body.length),
  },
  decodeRequest: decodeJsonRequest,
  encodeReply: encodeJson,
  encodeRequest: encodeJson,
  encodeReplyFrame: encodeJsonFrame,
  encodeRequestFrame: encodeJsonFrame,
  decodeReply: decodeJsonReply,
  decodeFromServer: decodeJsonServerMessage,
  matchReply: (reply, waiting) => waiting.get(reply.id),
};
