import { TransportError } from '@udsipc/core/transport';
import { natsSubjectProblem, natsUrlProblem, serviceSubject } from '@udsipc/protocol';

// The names and their rules are the protocol's (nats-subjects.ts); the adapter refuses what they
// refuse as its own TransportError, before nats.js sees it.
export { DEFAULT_NATS_URL, DEFAULT_SERVICE, QUEUE_GROUP } from '@udsipc/protocol';

/** A service's request subject, `udsipc.<service>.rpc`, refused (INVALID_OPTION) unless literal. */
export function subjectForService(service: string): string {
  return validateSubject(serviceSubject(service), 'subject derived from the service name');
}

/** The subject itself, or INVALID_OPTION when it is not a literal NATS subject. */
export function validateSubject(subject: string, what = 'NATS subject'): string {
  const problem = natsSubjectProblem(subject, what);
  if (problem !== undefined) throw new TransportError('INVALID_OPTION', problem);
  return subject;
}

/** The URL itself, or INVALID_OPTION when nats.js would not take it as nats://host:port. */
export function validateNatsUrl(url: string): string {
  const problem = natsUrlProblem(url);
  if (problem !== undefined) throw new TransportError('INVALID_OPTION', problem);
  return url;
}
