import { UnrecoverableError } from 'bullmq'

/**
 * An outside API refused the request itself (4xx other than 408/429: bad key, bad input, no quota):
 * retrying cannot help. Keeps which provider, its HTTP status and the underlying error.
 */
export class ProviderRejectedError extends UnrecoverableError {
  override name = 'ProviderRejectedError'
  constructor(
    readonly provider: string,
    readonly status: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} answered ${status}: ${detail.slice(0, 300)}`)
    if (options && 'cause' in options) this.cause = options.cause
  }
}
