/** The shared quota bucket is spent for today: the run stops where it is (what it stored stays) and the next one goes on. Not retried. */
export class QuotaSpentError extends Error {
  override name = 'QuotaSpentError'
  constructor(readonly resetAt: number) {
    super(`the YouTube quota is spent until ${new Date(resetAt).toISOString()}`)
  }
}
