/** A webhook whose signature or timestamp did not verify: refused, never applied, not retried by us. */
export class InvalidSignatureError extends Error {
  override name = 'InvalidSignatureError'
}
