/** The only protocol version this package speaks; carried as `v` in every envelope. */
export const PROTOCOL_VERSION = 1 as const;

/**
 * unix-dgram receives into a 64 KiB (65,536-byte) buffer and silently drops the rest of a larger
 * datagram. A received datagram that fills the buffer may therefore have been cut, so the limit is
 * one byte less: anything that arrives at 65,536 bytes is known to be over it and refused.
 */
export const MAX_DATAGRAM_BYTES = 65_535;

/**
 * Cap for one length-prefixed stream frame (16 MiB less one byte), and the ceiling of any configured
 * cap: the 4-byte length header keeps its top byte 0, which is how codec `auto` tells a JSON
 * connection from a seed cstring one.
 */
export const MAX_FRAME_BYTES_CEILING = 0x00ff_ffff;
export const DEFAULT_MAX_FRAME_BYTES = MAX_FRAME_BYTES_CEILING;

/** The seed's C programs exchange fixed 1024-byte buffers holding a NUL-terminated text. */
export const CSTRING_RECORD_BYTES = 1024;

/** Longest text a cstring record holds: one byte is the terminating NUL. */
export const CSTRING_MAX_TEXT_BYTES = CSTRING_RECORD_BYTES - 1;

/** sun_path is 108 bytes including the NUL; unix-dgram truncates longer paths without notice. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Deeper JSON is refused before JSON.parse so a hostile peer cannot make the parser recurse deeply. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/**
 * Most JSON values (objects, arrays, elements) a server accepts in one request, counted in the
 * same linear pass as the depth, before JSON.parse: it bounds the time one message can hold the
 * event loop (100,000 values parse in ~10 ms, the worst shape; a million in ~200 ms).
 */
export const DEFAULT_MAX_JSON_VALUES = 100_000;

/** Upper bound on request ids, so a replay cache keyed by them stays bounded in memory. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Upper bound on message type names. */
export const MAX_TYPE_NAME_LENGTH = 64;
/** Longest topic name a subscription or an event may carry. */
export const MAX_TOPIC_LENGTH = 128;
