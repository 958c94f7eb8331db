import { TransportError } from './errors.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** A socket handed over by a socket activator (systemd), as sd_listen_fds(3) describes them. */
export interface ActivatedSocket {
  /** The descriptor: the first passed is always 3 (SD_LISTEN_FDS_START). */
  readonly fd: number;
  /** Its FileDescriptorName= from LISTEN_FDNAMES, when the activator named it. */
  readonly name: string | undefined;
}

/** The variables of the socket-activation protocol, cleared once read (sd_listen_fds(1) does too). */
export const ACTIVATION_VARIABLES = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'] as const;
const SD_LISTEN_FDS_START = 3;

/**
 * The socket passed to this process by socket activation, or undefined when none was. As in
 * sd_listen_fds(3): the variables are for this process only if LISTEN_PID is its pid (a child that
 * inherited them from an activated parent must not take its sockets); LISTEN_FDS counts descriptors
 * from 3. A udsipc server serves one socket, so anything but exactly one is refused
 * (ACTIVATION_INVALID) rather than guessed at.
 */
export function activatedSocket(env: Environment, pid: number = process.pid): ActivatedSocket | undefined {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  if (listenPid === undefined || listenPid === '' || listenFds === undefined || listenFds === '') {
    return undefined;
  }
  if (!/^[0-9]+$/.test(listenPid)) {
    throw new TransportError('ACTIVATION_INVALID', `LISTEN_PID is not a pid: ${JSON.stringify(listenPid)}`);
  }
  if (Number(listenPid) !== pid) return undefined;
  if (!/^[0-9]+$/.test(listenFds)) {
    throw new TransportError('ACTIVATION_INVALID', `LISTEN_FDS is not a count: ${JSON.stringify(listenFds)}`);
  }
  const names = env.LISTEN_FDNAMES ? env.LISTEN_FDNAMES.split(':') : [];
  const count = Number(listenFds);
  if (count !== 1) {
    const named = names.length > 0 ? ` (${names.join(', ')})` : '';
    throw new TransportError(
      'ACTIVATION_INVALID',
      `LISTEN_FDS=${count}${named}: a udsipc server serves exactly one socket; give its .socket unit one Listen line`,
    );
  }
  return { fd: SD_LISTEN_FDS_START, name: names[0] || undefined };
}

/** Clears the activation variables, so no process started from this one mistakes them for its own. */
export function forgetActivation(env: Record<string, string | undefined> = process.env): void {
  for (const name of ACTIVATION_VARIABLES) delete env[name];
}
