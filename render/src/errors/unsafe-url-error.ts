import { InvalidInputError } from './invalid-input-error'

/** A user-supplied URL points at a private, loopback, link-local or otherwise non-public address. */
export class UnsafeUrlError extends InvalidInputError {
  override name = 'UnsafeUrlError'
}
