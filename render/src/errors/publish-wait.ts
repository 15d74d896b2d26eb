/** Not a failure: the publish job comes back at `until` (quota spent, or the channel's upload limit). */
export class PublishWait extends Error {
  override name = 'PublishWait'
  constructor(
    readonly until: string,
    readonly retryAfterMs: number,
    readonly reason: string,
  ) {
    super(`waiting for ${reason} until ${until}`)
  }
}
