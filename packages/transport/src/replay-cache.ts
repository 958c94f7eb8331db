import { clientIdOf } from '@udsipc/protocol';

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

interface Remembered {
  /** The encoded reply, or undefined while the handler is still running. */
  reply: Buffer | undefined;
  at: number;
}

/**
 * What the server remembers of recent requests, so that a resend (same id) is answered from memory
 * instead of executing the handler twice. Bounded by count per client, clients, bytes and age; it
 * is plain process memory, so a CRIU checkpoint carries it across a migration.
 */
export class ReplayCache {
  private readonly clients = new Map<string, Map<string, Remembered>>();
  private bytes = 0;
  private entries = 0;

  constructor(private readonly limits: ReplayLimits = DEFAULT_REPLAY_LIMITS) {}

  /** The remembered entry for `id`: a reply, `'pending'` while it is being executed, or undefined. */
  lookup(id: string, now: number): Buffer | 'pending' | undefined {
    const entries = this.clients.get(clientIdOf(id));
    const entry = entries?.get(id);
    if (!entry) return undefined;
    if (now - entry.at > this.limits.ttlMs) {
      this.forget(entries!, id, entry);
      return undefined;
    }
    return entry.reply ?? 'pending';
  }

  /** Marks `id` as being executed, so a resend arriving meanwhile is not executed again. */
  begin(id: string, now: number): void {
    const clientId = clientIdOf(id);
    let entries = this.clients.get(clientId);
    if (entries) {
      // Re-insert to keep the map ordered by last activity.
      this.clients.delete(clientId);
    } else {
      entries = new Map();
      if (this.clients.size >= this.limits.maxClients) this.evictLeastRecentClient();
    }
    this.clients.set(clientId, entries);
    if (!entries.has(id)) this.entries++;
    entries.set(id, { reply: undefined, at: now });
    if (entries.size > this.limits.maxPerClient) {
      const oldest = entries.keys().next().value as string;
      this.forget(entries, oldest, entries.get(oldest)!);
    }
    const maxEntries = this.limits.maxEntries ?? Number.POSITIVE_INFINITY;
    while (this.entries > maxEntries && this.clients.size > 1) this.evictLeastRecentClient();
  }

  /** Stores the reply sent for `id`. */
  complete(id: string, reply: Buffer, now: number): void {
    const entry = this.clients.get(clientIdOf(id))?.get(id);
    if (!entry) return;
    entry.reply = reply;
    entry.at = now;
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
  }

  private evictLeastRecentClient(): void {
    const oldest = this.clients.keys().next();
    if (oldest.done) return;
    const entries = this.clients.get(oldest.value)!;
    for (const entry of entries.values()) this.bytes -= entry.reply?.length ?? 0;
    this.entries -= entries.size;
    this.clients.delete(oldest.value);
  }
}
