// The part of node-ipc 9.2.1 the bench's node-ipc peer uses (the package ships no types).
declare module 'node-ipc' {
  import type { Socket } from 'node:net';

  interface NodeIpcConfig {
    /** This process's name; a client's messages carry no trace of it. */
    id: string;
    /** No log line per message (node-ipc logs every event unless silent). */
    silent: boolean;
    /** ms between connection attempts. */
    retry: number;
    maxRetries: number;
    /** false: every emit is written at once; true: one at a time, each after the last reply. */
    sync: boolean;
    maxConnections: number;
  }

  interface NodeIpcServer {
    on(event: 'start', listener: () => void): NodeIpcServer;
    on(event: 'error', listener: (error: Error) => void): NodeIpcServer;
    on(event: string, listener: (data: unknown, socket: Socket) => void): NodeIpcServer;
    /** One message (`{"type":…,"data":…}` and the delimiter) written to one client. */
    emit(socket: Socket, type: string, data: unknown): void;
    start(): void;
    stop(): void;
  }

  interface NodeIpcClient {
    on(event: 'connect' | 'disconnect' | 'destroy', listener: () => void): NodeIpcClient;
    on(event: 'error', listener: (error: Error) => void): NodeIpcClient;
    on(event: string, listener: (data: unknown) => void): NodeIpcClient;
    emit(type: string, data: unknown): void;
  }

  interface NodeIpc {
    config: NodeIpcConfig;
    server: NodeIpcServer;
    of: Record<string, NodeIpcClient | undefined>;
    serve(path: string, callback?: () => void): void;
    connectTo(id: string, path: string, callback?: () => void): void;
    disconnect(id: string): void;
  }

  /** The module's one instance (`require('node-ipc')`). */
  const ipc: NodeIpc;
  export default ipc;
}
