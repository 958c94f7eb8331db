/**
 * Who sent a request, as the kernel reports it, never as the peer claims it: for stream, the
 * credentials of the process that connected (SO_PEERCRED); for datagram, the owner of the sender's
 * bound socket file when only that user can write to its directory (no pid). Undefined when it
 * cannot be established: such a caller is unknown, never trusted.
 */
export interface Caller {
  readonly uid: number;
  readonly gid: number;
  /** Stream only: the connecting process. */
  readonly pid?: number;
}
