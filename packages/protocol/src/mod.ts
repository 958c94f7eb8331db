// @udsipc/protocol: the wire contract other teams reuse, exported by name. Helpers used only inside
// this package (the JSON depth scan, zod issue wording, batch entry sizes, errno tests) are not exported.

export {
  ATTACHED_MARKER,
  AttachmentSchema,
  MAX_ATTACHMENTS,
} from './attachments.js';
export { CODEC_NAMES, type Codec, type CodecName, type StreamFraming, type WireFormat } from './codec.js';
export { batchingCodec, codecNamed, datagramCodec, detectCodec, detectStreamCodec } from './codecs.js';
export { decodeCString, encodeCString } from './cstring-codec.js';
export { CSTRING_REQUEST_ID, cstringCodec } from './cstring-wire.js';
export {
  type DescribeReply,
  DescribeReplySchema,
  DescribeRequestSchema,
  describeTypes,
  type JsonSchema,
  payloadJsonSchema,
} from './describe.js';
export {
  BATCH_MARKER,
  framesThatFit,
  isBatch,
  MAX_BATCH_FRAMES,
  packBatch,
  unpackBatch,
} from './dgram-batch.js';
export {
  DeadlineSchema,
  type ErrorBody,
  ErrorBodySchema,
  type ErrorReplyEnvelope,
  ErrorReplyEnvelopeSchema,
  errorReply,
  LowWatermarkSchema,
  type OkReplyEnvelope,
  OkReplyEnvelopeSchema,
  okReply,
  type ReplyEnvelope,
  ReplyEnvelopeSchema,
  type RequestEnvelope,
  RequestEnvelopeSchema,
  RequestIdSchema,
  TypeNameSchema,
} from './envelope.js';
export {
  type CodeDescription,
  codesOf,
  describeCode,
  ERROR_CODES,
  ERROR_LAYERS,
  type ErrorCode,
  type ErrorCodeInfo,
  type ErrorCodeOf,
  type ErrorLayer,
  exitCodeOf,
  FAILURE_CLASSES,
  type FailureClass,
  failureClassOf,
  isErrorCode,
} from './error-codes.js';
export {
  isProtocolError,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorDetails,
} from './errors.js';
export { type Frame, flatFrame, GATHER_MIN_ATTACHMENT_BYTES, GatherFrame } from './gather-frame.js';
export {
  clientIdOf,
  createClientId,
  createRequestIdGenerator,
  parseRequestId,
  requestCounterOf,
} from './ids.js';
export {
  decodeJsonReply,
  decodeJsonRequest,
  decodeJsonServerMessage,
  encodeJson,
  encodeJsonFrame,
  type JsonLimits,
} from './json-codec.js';
export { jsonCodec } from './json-wire.js';
export {
  CSTRING_MAX_TEXT_BYTES,
  CSTRING_RECORD_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  DEFAULT_MAX_JSON_VALUES,
  MAX_DATAGRAM_BYTES,
  MAX_FRAME_BYTES_CEILING,
  MAX_REQUEST_ID_LENGTH,
  MAX_SOCKET_PATH_BYTES,
  MAX_TOPIC_LENGTH,
  MAX_TYPE_NAME_LENGTH,
  PROTOCOL_VERSION,
} from './limits.js';
export {
  ACK_TEXT,
  AckReplySchema,
  type BuiltinMessages,
  type BuiltinMessageType,
  builtinMessages,
  CANCEL_TYPE,
  CancelReplySchema,
  CancelRequestSchema,
  DESCRIBE_TYPE,
  defineMessage,
  type EchoPayload,
  EchoPayloadSchema,
  type MessageDefinition,
  type MessageRegistry,
  type PingReply,
  PingReplySchema,
  PingRequestSchema,
  type ReplyPayload,
  type RequestPayload,
  type StatsReply,
  StatsReplySchema,
  StatsRequestSchema,
  type TextPayload,
  TextPayloadSchema,
} from './messages.js';
export {
  DEFAULT_NATS_URL,
  DEFAULT_SERVICE,
  natsSubjectProblem,
  natsUrlProblem,
  QUEUE_GROUP,
  SERVICE_NAME_PATTERN,
  serviceSubject,
} from './nats-subjects.js';
export {
  allocateReplyPath,
  DEFAULT_DATAGRAM_SOCKET_PATH,
  DEFAULT_STREAM_SOCKET_PATH,
  defaultSocketPath,
  isSocketTransport,
  REPLY_SOCKET_PATTERN,
  replyPathForSender,
  SOCKET_TRANSPORT_NAMES,
  type SocketTransportName,
  sendPathFor,
  TRANSPORT_NAMES,
  type TransportName,
  validateSocketPath,
} from './paths.js';
export { DEFAULT_SOCKET_MODE, socketModeSchema } from './socket-mode.js';
export { FRAME_HEADER_BYTES, framed, frameHeader } from './stream-frame.js';
export {
  EpochSchema,
  type EventEnvelope,
  EventEnvelopeSchema,
  EventSeqSchema,
  isTopic,
  PUBLISH_TYPE,
  type PublishReply,
  PublishReplySchema,
  PublishRequestSchema,
  SUBSCRIBE_TYPE,
  type SubscribeReply,
  SubscribeReplySchema,
  SubscribeRequestSchema,
  TOPIC_PATTERN,
  TopicSchema,
  UNSUBSCRIBE_TYPE,
  UnsubscribeReplySchema,
  UnsubscribeRequestSchema,
} from './subscriptions.js';
export { isUdsipcError, toUdsipcError, UdsipcError } from './udsipc-error.js';
export { describeZodIssue, validateReplyPayload, validateRequestPayload } from './validate.js';
