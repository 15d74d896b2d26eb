/** An outside API answered with an error worth retrying (5xx, 408, 429, or no answer). */
export class ProviderError extends Error {
  override name = 'ProviderError'
  constructor(
    readonly provider: string,
    readonly status: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} answered ${status}: ${detail.slice(0, 300)}`, options)
  }
}
