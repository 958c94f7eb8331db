import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { connectClient, type RpcClient } from '@udsipc/node';
import type { SocketKind } from './plan.js';

/**
 * One load process: `clients` udsipc clients, each keeping `window` echo requests in flight, every
 * request with its own text and every reply checked against it. It is told what to do on stdin,
 * one word a line, and says what it did on stdout, one JSON object a line:
 *
 *   → {"ready":true}                      every client is open and the load has started
 *   → {"answered":N,"slowest":M}          every 100 replies: replies in all, and of the client with fewest
 *   ← mark                                from now on each client notes the time of its next reply,
 *                                         and each lane, once answered, issues nothing more (unless
 *                                         `keepLoad`: then every lane goes on as before)
 *   → {"marked":true}
 *   → {"back":true}                       every client has had a reply since the mark
 *   ← stop                                issue nothing more, wait for what is in flight
 *   → {"summary":{...}}                   LoadSummary, then the process exits
 */
export interface LoadClientSpec {
  transport: SocketKind;
  socket: string;
  replyDir: string;
  clients: number;
  window: number;
  /** After the mark, go on issuing at full load instead of holding each lane once it is answered. */
  keepLoad?: boolean;
}

/** One client's account. A request is sent once (resends carry its id and are not counted here). */
export interface ClientTally {
  clientId: string;
  sent: number;
  /** Replies that echoed their own request's text. */
  answered: number;
  /** Requests that settled with an error (time-out, server unavailable, closed). */
  failed: number;
  /** Replies with another request's text. */
  mismatched: number;
  /** Resends, from the client's own counters. */
  retried: number;
  /**
   * process.hrtime.bigint() at the first reply after the mark, as a decimal string; absent without
   * a mark or a reply since. It reads CLOCK_MONOTONIC, "a nonsettable system-wide clock"
   * (clock_gettime(2)): one clock for every process of the machine, so the bench can subtract.
   */
  firstReplyAfterMarkNs?: string;
}

export interface LoadSummary {
  clients: ClientTally[];
  /**
   * process.hrtime.bigint() when this process's own inotify watch on the server's directory first
   * reported the server's socket file after the mark (the event its clients act on), as a string.
   */
  noticedAfterMarkNs?: string;
  /** The first few failures, as `text: message`. */
  failures: string[];
}

/** Up to this many failures are described in the summary; the rest are counted only. */
const FAILURES_KEPT = 10;
const PROGRESS_EVERY = 100;

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** What every lane of the process shares: when to stop, the mark, the progress count. */
class LoadState {
  stopping = false;
  marked = false;
  /** Replies of every client, for the progress lines. */
  answered = 0;
  /** See LoadSummary.noticedAfterMarkNs. */
  noticedNs: string | undefined;
  readonly failures: string[] = [];
  /** Resolves on `stop`: what a lane that holds after the mark waits for. */
  readonly stopped: Promise<void>;
  private release!: () => void;
  /** Clients yet to have a reply since the mark. */
  private backPending = 0;
  private watcher: FSWatcher | undefined;

  constructor(readonly tallies: ClientTally[]) {
    this.stopped = new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }

  stop(): void {
    this.stopping = true;
    this.watcher?.close();
    this.release();
  }

  mark(socket: string): void {
    this.marked = true;
    this.backPending = this.tallies.length;
    // The old socket file is gone by the mark: the next event for its name is a new server's bind.
    this.watcher = watch(dirname(socket), (_event, file) => {
      if (file !== basename(socket)) return;
      this.noticedNs ??= process.hrtime.bigint().toString();
      this.watcher?.close();
    });
    print({ marked: true });
  }

  replied(tally: ClientTally): void {
    if (this.marked && tally.firstReplyAfterMarkNs === undefined) {
      tally.firstReplyAfterMarkNs = process.hrtime.bigint().toString();
      if (--this.backPending === 0) print({ back: true });
    }
    if (++this.answered % PROGRESS_EVERY === 0) {
      const slowest = Math.min(...this.tallies.map((each) => each.answered + each.mismatched));
      print({ answered: this.answered, slowest });
    }
  }

  failed(text: string, error: unknown): void {
    if (this.failures.length < FAILURES_KEPT) this.failures.push(`${text}: ${(error as Error).message}`);
  }
}

/** One request in flight at a time, issued again as soon as it settles, until the state says stop. */
async function lane(
  client: RpcClient,
  tally: ClientTally,
  state: LoadState,
  keepLoad: boolean,
): Promise<void> {
  while (!state.stopping) {
    const text = `${client.clientId}-${tally.sent++}`;
    try {
      const reply = await client.request('echo', { text });
      if (reply.text === text) tally.answered++;
      else tally.mismatched++;
      state.replied(tally);
    } catch (error) {
      tally.failed++;
      state.failed(text, error);
    }
    // After the mark a lane waits for its answer and no more: the reply to a request that waited
    // through an outage is what is timed, not how a cold server shares itself among clients
    // that all resumed full load at once.
    if (state.marked && !keepLoad) await state.stopped;
  }
}

export async function runLoadClient(spec: LoadClientSpec): Promise<void> {
  const clients: RpcClient[] = [];
  for (let index = 0; index < spec.clients; index++) {
    // Patient: nothing may give up while a server is checkpointed or restarted on a busy machine.
    clients.push(
      await connectClient({
        transport: spec.transport,
        path: spec.socket,
        replyDirectory: spec.replyDir,
        retries: 120,
      }),
    );
  }
  const tallies = clients.map(
    (client): ClientTally => ({
      clientId: client.clientId,
      sent: 0,
      answered: 0,
      failed: 0,
      mismatched: 0,
      retried: 0,
    }),
  );
  const state = new LoadState(tallies);
  const lanes = clients.flatMap((client, index) =>
    Array.from({ length: spec.window }, () => lane(client, tallies[index]!, state, spec.keepLoad === true)),
  );
  print({ ready: true });
  const input = createInterface({ input: process.stdin });
  for await (const line of input) {
    if (line === 'mark') state.mark(spec.socket);
    if (line === 'stop') break;
  }
  input.close();
  state.stop();
  await Promise.all(lanes);
  clients.forEach((client, index) => {
    tallies[index]!.retried = client.counters.retried;
  });
  const summary: LoadSummary = {
    clients: tallies,
    ...(state.noticedNs === undefined ? {} : { noticedAfterMarkNs: state.noticedNs }),
    failures: state.failures,
  };
  print({ summary });
  await Promise.all(clients.map((client) => client.close()));
}
