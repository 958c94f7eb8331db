import type { ClientTally, LoadSummary } from './load-client.js';

/** What a load did across a migration or a restart, from the clients' summaries and the server's count. */
export interface LoadOutcome {
  clients: number;
  /** Distinct requests: each request id counted once, however often it was resent. */
  sent: number;
  /** Replies that echoed their own request's text. */
  answered: number;
  /** sent − answered: requests that failed, got another's reply, or were never answered. */
  lost: number;
  failed: number;
  mismatched: number;
  /** Echo handler executions on the server side (every server of the run). */
  executed: number;
  /**
   * executed − sent: how many executions more than there were requests. Must be 0; while nothing is
   * lost every request ran at least once, so any excess is a request run twice.
   */
  executedTwice: number;
  /** Resends, summed over the clients. */
  retried: number;
  /** The first few failures, as the clients described them. */
  failures: string[];
}

export function loadOutcome(summaries: LoadSummary[], executed: number): LoadOutcome {
  const tallies = summaries.flatMap((summary) => summary.clients);
  const sum = (pick: (tally: ClientTally) => number) =>
    tallies.reduce((total, tally) => total + pick(tally), 0);
  const sent = sum((tally) => tally.sent);
  const answered = sum((tally) => tally.answered);
  return {
    clients: tallies.length,
    sent,
    answered,
    lost: sent - answered,
    failed: sum((tally) => tally.failed),
    mismatched: sum((tally) => tally.mismatched),
    executed,
    executedTwice: executed - sent,
    retried: sum((tally) => tally.retried),
    failures: summaries.flatMap((summary) => summary.failures).slice(0, 10),
  };
}

export function describeOutcome(outcome: LoadOutcome): string {
  return (
    `${outcome.sent} sent, ${outcome.answered} answered, ${outcome.lost} lost (${outcome.failed} failed), ` +
    `${outcome.executedTwice} executed twice`
  );
}
