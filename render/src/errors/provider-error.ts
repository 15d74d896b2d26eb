import { UnrecoverableError } from 'bullmq'

/** An outside API answered with an error. 4xx other than 408/429 is permanent, the rest retryable. */
export class ProviderError extends Error {
  override name = 'ProviderError'
  constructor(
    readonly provider: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${provider} answered ${status}: ${detail.slice(0, 300)}`)
  }
}

export function providerFailure(provider: string, status: number, detail: string): Error {
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    const err = new UnrecoverableError(`${provider} answered ${status}: ${detail.slice(0, 300)}`)
    return err
  }
  return new ProviderError(provider, status, detail)
}
