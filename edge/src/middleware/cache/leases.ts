import type { CacheIndexStore } from './interface'

// Leases of idle sessions are dropped past this many; a dropped one is simply asked for again.
const MAX_LEASES = 10_000

/**
 * This isolate's leases on sessions: a session the index lately said is not revoked may be
 * answered from the cache without asking again until its lease runs out. The lease is the bound
 * on how long a revoked session can still be served, in a location whose cache still holds its
 * entries (the Cache API is per location; a revocation deletes entries only where it arrives).
 * A lease past half its life is renewed in the background, so steady traffic never waits.
 */
export class SessionLeases {
  /** `scope credential` -> clock ms at which the index was asked (not answered): the conservative start. */
  readonly #since = new Map<string, number>()
  /** Clock ms of the last early renewal started, so a busy session sends one at a time, not one per request. */
  readonly #renewedEarly = new Map<string, number>()
  readonly #index: CacheIndexStore
  readonly #leaseMs: number
  readonly #clock: () => number

  constructor(options: { index: CacheIndexStore; leaseSeconds: number; clock?: () => number }) {
    if (!(options.leaseSeconds > 0)) throw new Error('SessionLeases: leaseSeconds must be positive')
    this.#index = options.index
    this.#leaseMs = options.leaseSeconds * 1000
    this.#clock = options.clock ?? Date.now
  }

  /** Whether `credential` may be answered from the cache now; `background` receives an early renewal. */
  check(scope: string, credential: string, background: (work: Promise<unknown>) => void): Promise<boolean> {
    const id = `${scope} ${credential}`
    const since = this.#since.get(id)
    const age = since === undefined ? Number.POSITIVE_INFINITY : this.#clock() - since
    if (age >= this.#leaseMs) return this.#renew(id, scope, credential)
    if (age >= this.#leaseMs / 2 && !(this.#clock() - (this.#renewedEarly.get(id) ?? 0) < this.#leaseMs / 2)) {
      this.#renewedEarly.set(id, this.#clock())
      background(this.#renew(id, scope, credential))
    }
    return Promise.resolve(true)
  }

  /** Ends this isolate's lease at once (the revocation arrived here). */
  end(scope: string, credential: string): void {
    this.#since.delete(`${scope} ${credential}`)
    this.#renewedEarly.delete(`${scope} ${credential}`)
  }

  // Each request asks for itself: a promise settled by another request's I/O may never settle for this one (workerd).
  #renew(id: string, scope: string, credential: string): Promise<boolean> {
    const askedAt = this.#clock()
    return this.#index
      .isRevoked(scope, credential)
      .then((revoked) => {
        if (revoked) {
          this.end(scope, credential)
          return false
        }
        // Re-inserted, so the Map's order stays oldest first for the trimming below.
        const since = Math.max(askedAt, this.#since.get(id) ?? 0)
        this.#since.delete(id)
        this.#since.set(id, since)
        for (const old of this.#since.keys()) {
          if (this.#since.size <= MAX_LEASES) break
          this.#since.delete(old)
          this.#renewedEarly.delete(old)
        }
        return true
      })
      .catch((err) => {
        // Unknown means no: the request goes to the core, which knows.
        console.error(JSON.stringify({ msg: 'cache index unavailable for a session check', error: String(err) }))
        return false
      })
  }
}
