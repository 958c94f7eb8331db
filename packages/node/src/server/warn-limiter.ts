export interface WarnLimits {
  /** Lines of one kind let through per window (default 50). */
  burst: number;
  /** Window length in ms (default 10 s). */
  windowMs: number;
}

export const DEFAULT_WARN_LIMITS: WarnLimits = { burst: 50, windowMs: 10_000 };

interface Window {
  startedAt: number;
  emitted: number;
  suppressed: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Caps warnings per kind, so a peer that sends garbage in a loop cannot turn every message into a
 * log line and fill the journal. What is held back is summed up in one line when its window ends.
 */
export class WarnLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly onSuppressed: (kind: string, count: number, windowMs: number) => void,
    private readonly limits: WarnLimits = DEFAULT_WARN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a warning of this kind may be logged now. */
  allow(kind: string): boolean {
    const now = this.now();
    let window = this.windows.get(kind);
    if (!window || now - window.startedAt >= this.limits.windowMs) {
      if (window) this.flush(kind, window);
      window = { startedAt: now, emitted: 0, suppressed: 0, timer: undefined };
      this.windows.set(kind, window);
    }
    if (window.emitted < this.limits.burst) {
      window.emitted++;
      return true;
    }
    window.suppressed++;
    if (!window.timer) {
      const open = window;
      open.timer = setTimeout(() => this.flush(kind, open), open.startedAt + this.limits.windowMs - now);
      open.timer.unref();
    }
    return false;
  }

  private flush(kind: string, window: Window): void {
    clearTimeout(window.timer);
    window.timer = undefined;
    if (window.suppressed > 0) this.onSuppressed(kind, window.suppressed, this.limits.windowMs);
    window.suppressed = 0;
    // The window is over: the next warning of this kind opens a fresh one.
    if (this.windows.get(kind) === window) this.windows.delete(kind);
  }

  /** Logs what is still held back (at shutdown) and stops the timers. */
  close(): void {
    for (const [kind, window] of this.windows) this.flush(kind, window);
    this.windows.clear();
  }
}
