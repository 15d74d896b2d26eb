/** A rotation refused because the JWKS already publishes as many keys as it may; retried after `retryAfterS`. */
export class SigningKeyLimitError extends Error {
  constructor(
    readonly published: number,
    readonly retryAfterS: number,
  ) {
    super(`${published} signing keys are published; the oldest retired one leaves the JWKS in ${retryAfterS} s`)
    this.name = 'SigningKeyLimitError'
  }
}
