import {
  type ClientTransport,
  RpcClient,
  type RpcClientOptions,
  type ServerTransport,
  type ServerTransportSettings,
} from '@udsipc/core';
import {
  type BuiltinMessages,
  type CodecName,
  defaultSocketPath,
  type MessageRegistry,
  type TransportName,
  validateSocketPath,
  type WireFormat,
} from '@udsipc/protocol';
import {
  type DatagramClientOptions,
  DatagramClientTransport,
  type DatagramServerSettings,
  DatagramServerTransport,
} from '@udsipc/transport-dgram';
import {
  DEFAULT_SERVICE,
  NatsClientTransport,
  NatsServerTransport,
  subjectForService,
} from '@udsipc/transport-nats';
import {
  StreamClientTransport,
  type StreamServerSettings,
  StreamServerTransport,
} from '@udsipc/transport-stream';

/** Where a NATS-mode server or client meets the others. */
export interface NatsSettings {
  /** The NATS server (default nats://127.0.0.1:4222). */
  natsUrl?: string | undefined;
  /** The subject requests go to (default `udsipc.<service>.rpc`). */
  subject?: string | undefined;
  /** The service name the default subject is made from (default `udsipc`). */
  service?: string | undefined;
}

function natsSubject(settings: NatsSettings): string {
  return settings.subject ?? subjectForService(settings.service ?? DEFAULT_SERVICE);
}

export type ServerTransportConfig = NatsSettings & {
  transport: TransportName;
  /** Where to bind; with `listenFd`, where the adopted socket must be bound (unset: wherever it is). */
  path?: string | undefined;
  codec?: CodecName;
  /** A socket passed by socket activation, adopted instead of binding `path`. */
  listenFd?: number | undefined;
} & Omit<ServerTransportSettings, 'codec'> &
  StreamServerSettings &
  DatagramServerSettings;

/** One flag picks the adapter; everything above it is the same. */
export function createServerTransport(config: ServerTransportConfig): ServerTransport {
  const { listenFd, transport, ...settings } = config;
  const codec = config.codec ?? 'auto';
  if (transport === 'nats') {
    return new NatsServerTransport({
      ...(config.natsUrl === undefined ? {} : { url: config.natsUrl }),
      subject: natsSubject(config),
      codec,
      ...(config.maxFrameBytes === undefined ? {} : { maxFrameBytes: config.maxFrameBytes }),
      ...(config.onEvent === undefined ? {} : { onEvent: config.onEvent }),
    });
  }
  const options =
    listenFd === undefined
      ? { ...settings, codec, path: validateSocketPath(config.path ?? defaultSocketPath(transport)) }
      : {
          ...settings,
          codec,
          listenFd,
          path: config.path === undefined ? undefined : validateSocketPath(config.path),
        };
  return transport === 'stream' ? new StreamServerTransport(options) : new DatagramServerTransport(options);
}

export type ClientTransportConfig = NatsSettings & {
  transport: TransportName;
  path?: string;
  wire?: WireFormat;
} & Omit<DatagramClientOptions, 'path' | 'wire'>;

export function createClientTransport(config: ClientTransportConfig): ClientTransport {
  if (config.transport === 'nats') {
    return new NatsClientTransport({
      ...(config.natsUrl === undefined ? {} : { url: config.natsUrl }),
      subject: natsSubject(config),
      ...(config.maxFrameBytes === undefined ? {} : { maxFrameBytes: config.maxFrameBytes }),
    });
  }
  const path = validateSocketPath(config.path ?? defaultSocketPath(config.transport));
  const options = { ...config, path, wire: config.wire ?? 'json' };
  return config.transport === 'stream'
    ? new StreamClientTransport(options)
    : new DatagramClientTransport(options);
}

export type ConnectOptions<R extends MessageRegistry> = ClientTransportConfig &
  Omit<RpcClientOptions<R>, 'transport'>;

/** A request/reply client on the chosen transport, opened and ready. */
export async function connectClient<R extends MessageRegistry = BuiltinMessages>(
  options: ConnectOptions<R>,
): Promise<RpcClient<R>> {
  const transport = createClientTransport(options);
  const client = new RpcClient<R>({ ...options, transport });
  await client.open();
  return client;
}
