import { InvalidInputError } from './invalid-input-error'

/**
 * A user-supplied URL points at a private, loopback, link-local or otherwise non-public address. The
 * message (what the video's owner sees) names the host only; the address it resolved to is kept in
 * `address` for the logs, so the error is no oracle for our internal DNS.
 */
export class UnsafeUrlError extends InvalidInputError {
  override name = 'UnsafeUrlError'
  constructor(
    message: string,
    readonly address?: string,
  ) {
    super(message)
  }
}
