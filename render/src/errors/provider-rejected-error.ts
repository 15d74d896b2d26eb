import { UnrecoverableError } from 'bullmq'
import type { ProviderError } from './provider-error'

/**
 * An outside API refused the request itself (4xx other than 408/429: bad key, bad input, no quota):
 * retrying cannot help. The provider's answer stays as the cause, with its name and HTTP status.
 */
export class ProviderRejectedError extends UnrecoverableError {
  override name = 'ProviderRejectedError'
  readonly provider: string
  readonly status: number

  constructor(answer: ProviderError) {
    super(answer.message)
    this.cause = answer
    this.provider = answer.provider
    this.status = answer.status
  }
}
