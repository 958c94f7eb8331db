import type { UdsipcServer } from '@udsipc/node';
import { isUdsipcError } from '@udsipc/protocol';
import type { Logger } from 'pino';

/** The signal udsipc-migrate sends before `criu dump` and again after `criu restore`. */
export const QUIESCE_SIGNAL = 'SIGUSR2';

/**
 * Each SIGUSR2 flips the server between serving and quiesced. Quiesced (for CRIU): in-flight
 * requests answered and their replies delivered, then every stream connection and the listener, or
 * the datagram socket, closed and its file removed; nothing new taken. Resumed, it binds its path
 * again. Signals are handled one at a time, in order, so a quick second signal resumes only once
 * the quiesce has finished.
 */
export function handleQuiesceSignal(
  server: UdsipcServer,
  logger: Logger,
  onFailure: (error: unknown) => void,
): void {
  let quiesced = false;
  let chain = Promise.resolve();
  process.on(QUIESCE_SIGNAL, () => {
    chain = chain.then(async () => {
      try {
        if (quiesced) await server.resume();
        else await server.quiesce();
        quiesced = !quiesced;
      } catch (error) {
        if (isUdsipcError(error) && error.code === 'ACTIVATED_SOCKET_HELD') {
          // Refused before anything changed: the server is still serving.
          logger.warn({ event: 'quiesce-refused', code: error.code }, error.message);
          return;
        }
        logger.error(
          { event: quiesced ? 'resume-failed' : 'quiesce-failed', err: error },
          'quiesce toggle failed',
        );
        onFailure(error);
      }
    });
  });
}
