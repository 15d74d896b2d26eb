import type { RateLimitRule } from '@ytempire/contract'
import type { RateLimitDecision, RateLimitStore } from './interface'

interface LocalWindow {
  /** This isolate's requests in the window, raised to the store's count whenever the store answers. */
  count: number
  /** Clock milliseconds. */
  resetAt: number
}

// Keys of idle callers are dropped past this many; a dropped key starts a fresh local view.
const MAX_KEYS = 10_000

/**
 * Counts without waiting for the store. The decision comes from this isolate's view of the
 * window; the request is counted in the store in the background, and the store's answer (every
 * isolate's requests, in every location) corrects the view. Budget: past the limit, a key gets
 * through at most the requests it sends to one isolate while one store round trip is under way.
 */
export class DeferredCounter {
  readonly #windows = new Map<string, LocalWindow>()
  readonly #store: RateLimitStore
  readonly #clock: () => number

  constructor(store: RateLimitStore, clock: () => number = Date.now) {
    this.#store = store
    this.#clock = clock
  }

  /** Decides at once; `background` receives the store's round trip, which never rejects. */
  hit(key: string, rule: RateLimitRule, background: (work: Promise<unknown>) => void): RateLimitDecision {
    const now = this.#clock()
    let window = this.#windows.get(key)
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + rule.windowSeconds * 1000 }
      this.#remember(key, window)
    }
    const decision = (allowed: boolean): RateLimitDecision => ({
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - window.count),
      resetSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
    })
    // Known to be used up: refused here, and the store is not bothered until the window ends.
    if (window.count >= rule.limit) return decision(false)
    window.count += 1
    background(this.#sync(key, rule, window))
    return decision(true)
  }

  async #sync(key: string, rule: RateLimitRule, window: LocalWindow): Promise<void> {
    try {
      const stored = await this.#store.hit(key, rule)
      if (this.#windows.get(key) !== window) return
      window.count = Math.max(window.count, stored.allowed ? stored.limit - stored.remaining : rule.limit)
      // The store's window opened with the key's first request anywhere, which may be before ours.
      window.resetAt = Math.min(window.resetAt, this.#clock() + stored.resetSeconds * 1000)
    } catch (err) {
      // The local view keeps counting; the core enforces the same classes behind the edge.
      console.error(JSON.stringify({ msg: 'rate limiter unavailable', key, error: String(err) }))
    }
  }

  #remember(key: string, window: LocalWindow): void {
    this.#windows.delete(key)
    this.#windows.set(key, window)
    // A Map iterates in insertion order: the first keys are the windows opened longest ago.
    for (const k of this.#windows.keys()) {
      if (this.#windows.size <= MAX_KEYS) break
      this.#windows.delete(k)
    }
  }
}
