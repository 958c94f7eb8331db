/** Whether a socket bound at `path` takes what is sent to it: a bound datagram socket, a listening stream socket. */
export function takesConnections(path: string): boolean;
/** A live server at `path` (socket file, `probe` says 'live') that takes connections. */
export function serverTakesConnections(path: string, probe: (path: string) => string): boolean;
