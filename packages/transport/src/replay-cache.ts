export interface ReplayLimits {
  /** Request ids remembered per client; the oldest are forgotten first (default 1024). */
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
  maxPerClient: 1024,
  maxClients: 10_000,
  maxBytes: 64 * 1024 * 1024,
  ttlMs: 120_000,
  maxEntries: 100_000,
};

/** One remembered request; `claim` hands it out so the reply is stored without a second lookup. */
export class ReplayTicket {
  /** The encoded reply, or undefined while the handler is still running. */
  reply: Buffer | undefined = undefined;
  /** False once forgotten (evicted or expired): its reply is then not stored. */
  live = true;
  constructor(public at: number) {}
}

type Remembered = ReplayTicket;

/**
 * What the server remembers of recent requests, so that a resend (same id) is answered from memory
 * instead of executing the handler twice. Bounded by count per client, clients, bytes and age; it
 * is plain process memory, so a CRIU checkpoint carries it across a migration.
 */
export class ReplayCache {
  private readonly clients = new Map<string, Map<string, Remembered>>();
  private bytes = 0;
  private entries = 0;
  private mostRecentClient: string | undefined;

  constructor(private readonly limits: ReplayLimits = DEFAULT_REPLAY_LIMITS) {}

  /**
   * What is remembered for request `id` of `clientId`: its reply, or `'pending'` while it is
   * still being executed; or, for a request not seen before, a new ticket that marks it as being
   * executed (so a resend arriving meanwhile is not executed again) and later takes its reply.
   */
  claim(id: string, clientId: string, now: number): Buffer | 'pending' | ReplayTicket {
    let entries = this.clients.get(clientId);
    const known = entries?.get(id);
    if (known) {
      if (now - known.at <= this.limits.ttlMs) return known.reply ?? 'pending';
      this.forget(entries!, id, known);
    }
    if (!entries) {
      if (this.clients.size >= this.limits.maxClients) this.evictLeastRecentClient();
      entries = new Map();
      this.clients.set(clientId, entries);
    } else if (this.mostRecentClient !== clientId) {
      // Re-insert to keep the map ordered by last activity (a busy client is already last).
      this.clients.delete(clientId);
      this.clients.set(clientId, entries);
    }
    this.mostRecentClient = clientId;
    const ticket = new ReplayTicket(now);
    entries.set(id, ticket);
    this.entries++;
    if (entries.size > this.limits.maxPerClient) {
      const oldest = entries.keys().next().value as string;
      this.forget(entries, oldest, entries.get(oldest)!);
    }
    const maxEntries = this.limits.maxEntries ?? Number.POSITIVE_INFINITY;
    while (this.entries > maxEntries && this.clients.size > 1) this.evictLeastRecentClient();
    return ticket;
  }

  /** Stores the reply sent for a claimed request. */
  complete(ticket: ReplayTicket, reply: Buffer, now: number): void {
    if (!ticket.live) return;
    ticket.reply = reply;
    ticket.at = now;
    this.bytes += reply.length;
    while (this.bytes > this.limits.maxBytes && this.clients.size > 1) this.evictLeastRecentClient();
  }

  /** Drops entries older than the time-to-live; called from a timer so idle memory shrinks too. */
  sweep(now: number): void {
    for (const [clientId, entries] of this.clients) {
      for (const [id, entry] of entries) {
        if (now - entry.at > this.limits.ttlMs) this.forget(entries, id, entry);
      }
      if (entries.size === 0) this.clients.delete(clientId);
    }
  }

  get size(): { clients: number; entries: number; bytes: number } {
    let entries = 0;
    for (const client of this.clients.values()) entries += client.size;
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
    const entries = this.clients.get(oldest.value)!;
    for (const entry of entries.values()) {
      this.bytes -= entry.reply?.length ?? 0;
      entry.live = false;
    }
    this.entries -= entries.size;
    this.clients.delete(oldest.value);
    if (this.mostRecentClient === oldest.value) this.mostRecentClient = undefined;
  }
}
