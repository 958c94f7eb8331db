import type { Frame } from '@udsipc/protocol';

export interface ReplayLimits {
  /**
   * Request ids remembered per client (default 32,768): the bound against a client that never
   * moves its watermark. Beyond it the oldest are forgotten first, except the one at the client's
   * watermark, which that client is known to be waiting for.
   */
  maxPerClient: number;
  /** Clients remembered; the least recently active are forgotten first (default 10,000). */
  maxClients: number;
  /** Bytes of remembered replies in all; the least recently active clients are forgotten first (default 64 MiB). */
  maxBytes: number;
  /** How long a reply is remembered, in ms (default 120 s): longer than any client keeps resending. */
  ttlMs: number;
  /**
   * Request ids remembered in all; the least recently active clients are forgotten first (default
   * 100,000; unlimited when unset). Each costs ~350 bytes of heap besides its reply, which maxBytes
   * does not count: without this, 10,000 clients x 1024 ids could hold gigabytes.
   */
  maxEntries?: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = {
  maxPerClient: 32_768,
  maxClients: 10_000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 120_000,
  maxEntries: 100_000,
};

/** One remembered request; `claim` hands it out so the reply is stored without a second lookup. */
export class ReplayTicket {
  /** The encoded reply, or undefined while the handler is still running. */
  reply: Frame | undefined = undefined;
  /** False once forgotten (evicted or expired): its reply is then not stored. */
  live = true;
  constructor(
    public at: number,
    /** The id's counter (`clientId:counter`), or undefined for ids of another shape. */
    readonly counter: number | undefined,
  ) {}
}

type Remembered = ReplayTicket;

/** What is remembered of one client: its requests in arrival order, and its watermark. */
interface ClientMemory {
  readonly entries: Map<string, Remembered>;
  /** The highest `low` this client has sent: it never sends an id with a lower counter again. */
  low: number;
}

/** What `claim` answers for a request below its client's watermark: never executed, never answered from memory. */
export const BELOW_WATERMARK = 'below-watermark' as const;

/**
 * What the server remembers of recent requests, so that a resend (same id) is answered from memory
 * instead of executing the handler twice. It is plain process memory, so a CRIU checkpoint carries
 * it across a migration.
 *
 * What it keeps is driven by the clients: each request carries `low`, the counter of the oldest
 * request its client still waits for. Everything of that client below it is forgotten (the client
 * will never resend it), everything at or above it is kept, however many newer ids pass: a client
 * with 64 in flight whose one reply was lost keeps that entry while thousands of others come and
 * go. Against a client that lies or never moves its watermark, memory stays bounded by count per
 * client, clients, ids in all, bytes and age; a resend of an id forgotten through those bounds
 * (not the watermark) is executed again.
 */
export class ReplayCache {
  private readonly clients = new Map<string, ClientMemory>();
  private bytes = 0;
  private entries = 0;
  private mostRecentClient: string | undefined;

  constructor(private readonly limits: ReplayLimits = DEFAULT_REPLAY_LIMITS) {}

  /**
   * What is remembered for request `id` of `clientId`: its reply, or `'pending'` while it is
   * still being executed; or, for a request not seen before, a new ticket that marks it as being
   * executed (so a resend arriving meanwhile is not executed again) and later takes its reply.
   */
  claim(
    id: string,
    clientId: string,
    now: number,
    counter?: number,
    low?: number,
  ): Frame | 'pending' | typeof BELOW_WATERMARK | ReplayTicket {
    let memory = this.clients.get(clientId);
    if (memory && low !== undefined && low > memory.low) this.raiseWatermark(memory, low);
    const known = memory?.entries.get(id);
    if (known) {
      if (now - known.at <= this.limits.ttlMs) return known.reply ?? 'pending';
      this.forget(memory!.entries, id, known);
    }
    // Its client promised never to send it again: a copy that travelled slowly (a restored queue).
    if (memory && counter !== undefined && counter < memory.low) return BELOW_WATERMARK;
    if (!memory) {
      if (this.clients.size >= this.limits.maxClients) this.evictLeastRecentClient();
      memory = { entries: new Map(), low: low ?? 0 };
      this.clients.set(clientId, memory);
    } else if (this.mostRecentClient !== clientId) {
      // Re-insert to keep the map ordered by last activity (a busy client is already last).
      this.clients.delete(clientId);
      this.clients.set(clientId, memory);
    }
    this.mostRecentClient = clientId;
    const { entries } = memory;
    const ticket = new ReplayTicket(now, counter);
    entries.set(id, ticket);
    this.entries++;
    if (entries.size > this.limits.maxPerClient) this.evictOldest(memory);
    const maxEntries = this.limits.maxEntries ?? Number.POSITIVE_INFINITY;
    while (this.entries > maxEntries && this.clients.size > 1) this.evictLeastRecentClient();
    return ticket;
  }

  /** Forgets this client's requests below its new watermark; they sit at the front, in arrival order. */
  private raiseWatermark(memory: ClientMemory, low: number): void {
    memory.low = low;
    for (const [id, entry] of memory.entries) {
      if (entry.counter === undefined || entry.counter >= low) break;
      this.forget(memory.entries, id, entry);
    }
  }

  /** Over the per-client bound: the oldest goes, unless it is the one the client waits for first. */
  private evictOldest(memory: ClientMemory): void {
    const ids = memory.entries.keys();
    let oldest = ids.next().value as string;
    if (memory.entries.get(oldest)!.counter === memory.low) oldest = ids.next().value as string;
    this.forget(memory.entries, oldest, memory.entries.get(oldest)!);
  }

  /** Stores the reply sent for a claimed request. */
  complete(ticket: ReplayTicket, reply: Frame, now: number): void {
    if (!ticket.live) return;
    ticket.reply = reply;
    ticket.at = now;
    this.bytes += reply.length;
    while (this.bytes > this.limits.maxBytes && this.clients.size > 1) this.evictLeastRecentClient();
  }

  /** Drops entries older than the time-to-live; called from a timer so idle memory shrinks too. */
  sweep(now: number): void {
    for (const [clientId, { entries }] of this.clients) {
      for (const [id, entry] of entries) {
        if (now - entry.at > this.limits.ttlMs) this.forget(entries, id, entry);
      }
      if (entries.size === 0) this.clients.delete(clientId);
    }
  }

  get size(): { clients: number; entries: number; bytes: number } {
    let entries = 0;
    for (const client of this.clients.values()) entries += client.entries.size;
    return { clients: this.clients.size, entries, bytes: this.bytes };
  }

  private forget(entries: Map<string, Remembered>, id: string, entry: Remembered): void {
    if (entries.delete(id)) this.entries--;
    this.bytes -= entry.reply?.length ?? 0;
    entry.live = false;
  }

  private evictLeastRecentClient(): void {
    const oldest = this.clients.keys().next();
    if (oldest.done) return;
    const { entries } = this.clients.get(oldest.value)!;
    for (const entry of entries.values()) {
      this.bytes -= entry.reply?.length ?? 0;
      entry.live = false;
    }
    this.entries -= entries.size;
    this.clients.delete(oldest.value);
    if (this.mostRecentClient === oldest.value) this.mostRecentClient = undefined;
  }
}
