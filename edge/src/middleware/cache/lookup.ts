/** What `cacheLookup` leaves for `edgeCache`: the caller's entry, looked up while the rate limiter runs. */
export interface CacheLookup {
  key: string
  /** The index the entry belongs to: `public`, or `u:<user id>` for everything of one user. */
  scope: string
  /** Whose entry within the scope: `-` (public), `s:<session id>` or `k:<API key hash>`. */
  credential: string
  /** Epoch ms when the request began; an invalidation after it makes its answer suspect. */
  startedAt: number
  stored: Promise<Response | undefined>
  /** False when the credential's session may have been revoked: nothing cached is served to it. */
  servable: Promise<boolean>
}
