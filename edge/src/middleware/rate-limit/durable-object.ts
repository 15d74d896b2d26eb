import { DurableObject } from "cloudflare:workers";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

interface Window {
  count: number;
  /** Epoch milliseconds. */
  resetAt: number;
}

const WINDOW_KEY = "window";

/**
 * One object per (class, user-or-IP): every isolate in every location asks the same object, so
 * the count is exact. Fixed window: it opens with the first request and an alarm at its end
 * clears the storage, so idle keys leave nothing behind.
 */
export class RateLimiter extends DurableObject {
  #window: Window | undefined;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#window = await ctx.storage.get<Window>(WINDOW_KEY);
    });
  }

  async hit(limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    const now = Date.now();
    let window = this.#window;
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 };
      void this.ctx.storage.setAlarm(window.resetAt);
    }
    const allowed = window.count < limit;
    if (allowed) window.count += 1;
    this.#window = window;
    // Not awaited: the output gate holds the answer until the write is durable.
    void this.ctx.storage.put(WINDOW_KEY, window);
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    };
  }

  override async alarm(): Promise<void> {
    this.#window = undefined;
    await this.ctx.storage.deleteAll();
  }
}
