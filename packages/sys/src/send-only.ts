import { duplicateDescriptor } from './duplicate-descriptor.js';
import { loadLibc } from './libc.js';
import { MSG_DONTWAIT } from './linux.js';
import { sockaddrFor } from './socket-address.js';

/**
 * A second descriptor for a datagram socket, used only to send: what stays of a server's socket
 * once the library that read it has closed its own descriptor. Nothing polls this one, so whatever
 * arrives waits in the socket's queue (for the next server, when an activator holds the socket),
 * while replies already produced still leave from the socket's own address, which is how clients
 * tell the server's replies from anyone else's.
 */
export class SendOnlyDescriptor {
  private constructor(private fd: number) {}

  /** Duplicates `fd` (close-on-exec); returns the errno name when it cannot. */
  static duplicate(fd: number): SendOnlyDescriptor | string {
    const copy = duplicateDescriptor(fd);
    return typeof copy === 'string' ? copy : new SendOnlyDescriptor(copy);
  }

  /** sendto(2) without blocking: 'ok', or the errno name (EAGAIN while the receiver's queue is full). */
  sendTo(data: Buffer, path: string): string {
    const libc = loadLibc();
    if (!libc || this.fd < 0) return 'EBADF';
    let address: ReturnType<typeof sockaddrFor>;
    try {
      address = sockaddrFor(path);
    } catch {
      return 'ENAMETOOLONG';
    }
    const sent = libc.sendto(this.fd, data, data.length, MSG_DONTWAIT, address.address, address.length);
    return sent < 0 ? libc.errno() : 'ok';
  }

  close(): void {
    if (this.fd < 0) return;
    loadLibc()?.close(this.fd);
    this.fd = -1;
  }
}
