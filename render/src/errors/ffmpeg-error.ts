/** ffmpeg exited non-zero; carries the tail of its log. Retryable (it may be resources). */
export class FfmpegError extends Error {
  override name = 'FfmpegError'
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`${message}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`)
  }
}
