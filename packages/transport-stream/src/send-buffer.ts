import type { Socket } from 'node:net';
import { raiseSendBuffer, type SendBuffer } from '@udsipc/sys';
import { descriptorOf } from './socket-descriptor.js';

/**
 * What each end of a stream connection asks for its send buffer (the kernel doubles it: 2 MiB).
 *
 * On a UNIX stream socket the *sender's* buffer bounds the bytes in flight: unix_stream_sendmsg
 * (net/unix/af_unix.c) charges each skb to the sender until the receiver reads it, and cuts a write
 * into skbs of at most sk_sndbuf / 2 − 64 bytes. At the default 212,992 bytes a 1 MiB message needs
 * the writer back in its event loop a dozen times while the reader drains it, so a process busy
 * encoding or parsing holds up its peer's transfer and the two take turns. With room for a whole
 * message the write completes in one go. Measured here (`udsipc-client bench`, stream, 8 in flight,
 * alternating runs): 1 MiB echo 61–68 → 77–115 msgs/s; 4 KiB with 64 in flight +8 %.
 *
 * Memory: only bytes the peer leaves unread take any, the same bound as the server's 4 MiB write
 * high water in user space. Without CAP_NET_ADMIN the kernel caps it at net.core.wmem_max.
 */
export const STREAM_SEND_BUFFER_BYTES = 1024 * 1024;

/**
 * Raises a connected socket's send buffer to `bytes` (never lowers it); 0 leaves the kernel's
 * default. Best effort: what the kernel granted, or why not (an errno name, FFI_UNAVAILABLE), or
 * undefined when nothing was asked or the socket has no descriptor.
 */
export function enlargeSendBuffer(socket: Socket, bytes: number): SendBuffer | string | undefined {
  if (bytes <= 0) return undefined;
  const fd = descriptorOf(socket);
  return fd === undefined ? undefined : raiseSendBuffer(fd, bytes);
}
