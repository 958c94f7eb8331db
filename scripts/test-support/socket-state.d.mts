/** Whether a socket bound at `path` takes what is sent to it: a bound datagram socket, a listening stream socket. */
export function takesConnections(path: string): boolean;
