import type { RateLimitRule } from '@ytempire/contract'
import type { RateLimitDecision, RateLimitStore } from './interface'

interface LocalWindow {
  /** This isolate's requests in the window, raised to the store's count whenever the store answers. */
  count: number
  /** Clock milliseconds. */
  resetAt: number
  /** Requests answered here and not yet sent to the store. */
  unsent: number
  /** A send to the store is scheduled or under way (it takes every unsent request with it). */
  sending: boolean
  /** The store has answered once in this window. */
  synced: boolean
}

// Once the store has answered in a window, later counts go to it in batches at most this often.
const SEND_INTERVAL_MS = 100
// Sends one request's background work makes in a row; a later request starts the next run.
const MAX_SENDS_PER_RUN = 10
// Keys of idle callers are dropped past this many; a dropped key starts a fresh local view.
const MAX_KEYS = 10_000

/**
 * Counts without waiting for the store. Each isolate counts its own requests exactly and
 * decides from that; the counts go to the store in the background, the first of a window at
 * once and then in batches every SEND_INTERVAL_MS, and the store's answer (every isolate's
 * requests, in every location) raises the local count. Budget: past the limit, a key gets
 * through at most what it sends to each other isolate within SEND_INTERVAL_MS plus one store
 * round trip; a key served by one isolate is counted exactly.
 */
export class DeferredCounter {
  readonly #windows = new Map<string, LocalWindow>()
  readonly #store: RateLimitStore
  readonly #clock: () => number

  constructor(store: RateLimitStore, clock: () => number = Date.now) {
    this.#store = store
    this.#clock = clock
  }

  /** Decides at once; `background` receives the send to the store, which never rejects. */
  hit(key: string, rule: RateLimitRule, background: (work: Promise<unknown>) => void): RateLimitDecision {
    const now = this.#clock()
    let window = this.#windows.get(key)
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + rule.windowSeconds * 1000, unsent: 0, sending: false, synced: false }
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
    window.unsent += 1
    if (!window.sending) {
      window.sending = true
      background(this.#send(key, rule, window))
    }
    return decision(true)
  }

  async #send(key: string, rule: RateLimitRule, window: LocalWindow): Promise<void> {
    try {
      for (let sends = 0; sends < MAX_SENDS_PER_RUN && window.unsent > 0; sends++) {
        if (window.synced) await new Promise((resolve) => setTimeout(resolve, SEND_INTERVAL_MS))
        const served = window.unsent
        window.unsent = 0
        const stored = await this.#store.record(key, rule, served)
        window.synced = true
        window.count = Math.max(window.count, rule.limit - stored.remaining)
        // The store's window opened with the key's first request anywhere, which may be before ours.
        window.resetAt = Math.min(window.resetAt, this.#clock() + stored.resetSeconds * 1000)
      }
    } catch (err) {
      // The local count goes on; the core enforces the same classes behind the edge.
      console.error(JSON.stringify({ msg: 'rate limiter unavailable', key, error: String(err) }))
    } finally {
      window.sending = false
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
