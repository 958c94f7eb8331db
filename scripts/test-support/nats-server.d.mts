export interface NatsServer {
  url: string;
  port: number;
  /** Ends it gracefully (SIGTERM); resolves when it is gone. */
  stop(): Promise<void>;
  /** Ends it at once (SIGKILL); resolves when it is gone. */
  kill(): Promise<void>;
}

/** Why no nats-server can run here, or undefined when one can. */
export function natsServerUnavailable(): string | undefined;

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number>;

/** Starts nats-server on 127.0.0.1 (a free port unless given) and resolves once it accepts connections. */
export function startNatsServer(dir: string, port?: number): Promise<NatsServer>;
