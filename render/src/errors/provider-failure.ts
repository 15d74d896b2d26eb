import { ProviderError } from './provider-error'
import { ProviderRejectedError } from './provider-rejected-error'

/** 4xx other than 408 (timeout) and 429 (rate limit) means the request is wrong and is not retried. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429
}

/** The error for an outside API's failed answer, typed by whether a retry can help. */
export function providerFailure(provider: string, status: number, detail: string, cause?: unknown): ProviderError | ProviderRejectedError {
  const answer = new ProviderError(provider, status, detail, cause === undefined ? undefined : { cause })
  return isPermanentStatus(status) ? new ProviderRejectedError(answer) : answer
}

/** An SDK's error that carries the HTTP status (the openai SDK's APIError) becomes a typed provider error; others pass through. */
export function sdkFailure(provider: string, err: unknown): unknown {
  const status = (err as { status?: unknown } | null)?.status
  return err instanceof Error && typeof status === 'number' ? providerFailure(provider, status, err.message, err) : err
}
