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
    const window = this.#current(windowSeconds)
    const allowed = window.count < limit
    if (allowed) this.#add(window, 1)
    return this.#decision(window, allowed, limit)
  }

  /** Counts requests an edge has already answered (its deferred count). */
  async record(limit: number, windowSeconds: number, served: number): Promise<RateLimitDecision> {
    const window = this.#current(windowSeconds)
    this.#add(window, served)
    return this.#decision(window, window.count <= limit, limit)
  }

  #current(windowSeconds: number): Window {
    const now = Date.now()
    if (this.#window && now < this.#window.resetAt) return this.#window
    this.#window = { count: 0, resetAt: now + windowSeconds * 1000 }
    void this.ctx.storage.setAlarm(this.#window.resetAt)
    this.#persist()
    return this.#window
  }

  #add(window: Window, n: number): void {
    window.count += n
    this.#flush ??= setTimeout(() => this.#persist(), FLUSH_INTERVAL_MS)
  }

  #decision(window: Window, allowed: boolean, limit: number): RateLimitDecision {
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetSeconds: Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000)),
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
  const limiter = (key: string) => namespace.get(namespace.idFromName(key))
  return {
    hit: (key: string, rule: RateLimitRule) => limiter(key).hit(rule.limit, rule.windowSeconds),
    record: (key: string, rule: RateLimitRule, served: number) => limiter(key).record(rule.limit, rule.windowSeconds, served),
  }
}
