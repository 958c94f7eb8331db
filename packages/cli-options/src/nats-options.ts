import {
  DEFAULT_NATS_URL,
  DEFAULT_SERVICE,
  natsSubjectProblem,
  natsUrlProblem,
  SERVICE_NAME_PATTERN,
  serviceSubject,
} from '@udsipc/protocol';
import { z } from 'zod';
import { OptionError } from './option-error.js';
import { type OptionValues, valueOption } from './option-table.js';

/**
 * Where a NATS-mode server listens and a NATS-mode client sends: the same three options on both
 * daemons, declared here once and spread into each CLI's table.
 */
export const NATS_OPTIONS = {
  natsUrl: valueOption({
    flag: '--nats-url',
    env: 'UDSIPC_NATS_URL',
    metavar: 'URL',
    schema: z.string().min(1, 'must not be empty'),
    default: DEFAULT_NATS_URL,
    help: 'nats only: the NATS server',
  }),
  service: valueOption({
    flag: '--service',
    env: 'UDSIPC_SERVICE',
    metavar: 'NAME',
    schema: z.string().regex(SERVICE_NAME_PATTERN, 'must be letters, digits, _ or -'),
    default: DEFAULT_SERVICE,
    help: 'nats only: the service name the default subject is made from',
  }),
  subject: valueOption({
    flag: '--subject',
    env: 'UDSIPC_SUBJECT',
    metavar: 'SUBJECT',
    schema: z.string().min(1, 'must not be empty'),
    defaultNote: serviceSubject('<service>'),
    help: 'nats only: the subject requests are sent to; servers of one subject share the load',
  }),
};

/** The NATS server and subject the options name. */
export interface NatsTarget {
  natsUrl: string;
  subject: string;
}

/**
 * The URL and subject from the resolved options: --subject, else the one derived from --service.
 * A value NATS would not take is refused as its flag's INVALID_VALUE, like any schema failure.
 */
export function resolveNatsTarget(values: OptionValues<typeof NATS_OPTIONS>): NatsTarget {
  const urlProblem = natsUrlProblem(values.natsUrl);
  if (urlProblem !== undefined) throw invalid('--nats-url', urlProblem);
  if (values.subject !== undefined) {
    const problem = natsSubjectProblem(values.subject);
    if (problem !== undefined) throw invalid('--subject', problem);
    return { natsUrl: values.natsUrl, subject: values.subject };
  }
  const subject = serviceSubject(values.service);
  const problem = natsSubjectProblem(subject, 'subject derived from the service name');
  if (problem !== undefined) throw invalid('--service', problem);
  return { natsUrl: values.natsUrl, subject };
}

function invalid(flag: string, problem: string): OptionError {
  return new OptionError('INVALID_VALUE', `${flag}: ${problem}`, flag);
}
