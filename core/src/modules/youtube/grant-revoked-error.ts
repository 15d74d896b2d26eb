/** Google answered `invalid_grant`: the operator revoked the app, or the grant expired. Not retried: the channel needs reconnecting. */
export class GrantRevokedError extends Error {
  override name = 'GrantRevokedError'
}
