/**
 * Not a failure: the stage's job goes back to the queue, delayed `delayMs`, without spending an
 * attempt (a spent YouTube quota until its reset, a channel's upload limit).
 */
export class StageDelay extends Error {
  override name = 'StageDelay'
  constructor(
    readonly delayMs: number,
    readonly until: string,
    readonly reason: string,
  ) {
    super(`waiting for ${reason} until ${until}`)
  }
}
