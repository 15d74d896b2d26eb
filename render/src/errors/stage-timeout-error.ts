/** A stage ran past its `timeoutS` in the pipeline definition and was aborted. Retryable. */
export class StageTimeoutError extends Error {
  override name = 'StageTimeoutError'
  constructor(
    readonly stage: string,
    readonly timeoutS: number,
  ) {
    super(`${stage} exceeded its ${timeoutS}s timeout`)
  }
}
