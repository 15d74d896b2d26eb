import { DurableObject } from 'cloudflare:workers'
import type { RateLimitRule } from '@ytempire/contract'
import type { RateLimitDecision, RateLimitStore } from './interface'

interface Window {
  count: number
  /** Epoch milliseconds. */
  resetAt: number
}

const WINDOW_KEY = 'window'
// Under load, counts reach storage at most this often; a new window is written at once.
const FLUSH_INTERVAL_MS = 100

/**
 * One object per (class, user-or-IP): every isolate in every location asks the same object, and
 * it answers one request at a time, so the count is exact. Fixed window: it opens with the first
 * request, and an alarm at its end clears the storage, so idle keys leave nothing behind.
 *
 * The in-memory window is authoritative; storage only lets a count survive the object being
 * evicted, so writes are batched and the answer never waits for one.
 */
export class RateLimiter extends DurableObject {
  #window: Window | undefined
  #flush: ReturnType<typeof setTimeout> | undefined

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      this.#window = await ctx.storage.get<Window>(WINDOW_KEY)
    })
  }

  async hit(limit: number, windowSeconds: number): Promise<RateLimitDecision> {
    const now = Date.now()
    let window = this.#window
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + windowSeconds * 1000 }
      this.#window = window
      void this.ctx.storage.setAlarm(window.resetAt)
      this.#persist()
    }
    const allowed = window.count < limit
    if (allowed) {
      window.count += 1
      this.#flush ??= setTimeout(() => this.#persist(), FLUSH_INTERVAL_MS)
    }
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    }
  }

  override async alarm(): Promise<void> {
    if (this.#flush !== undefined) clearTimeout(this.#flush)
    this.#flush = undefined
    this.#window = undefined
    await this.ctx.storage.deleteAll()
  }

  #persist(): void {
    if (this.#flush !== undefined) clearTimeout(this.#flush)
    this.#flush = undefined
    if (this.#window) void this.ctx.storage.put(WINDOW_KEY, { ...this.#window }, { allowUnconfirmed: true })
  }
}

/** The store backed by `RateLimiter` objects, one per key. */
export function durableObjectRateLimits(namespace: DurableObjectNamespace<RateLimiter>): RateLimitStore {
  return {
    hit: (key: string, rule: RateLimitRule) => namespace.get(namespace.idFromName(key)).hit(rule.limit, rule.windowSeconds),
  }
}
