/** The render ran past RENDER_TIMEOUT_S and ffmpeg was killed. Retryable. */
export class RenderTimeoutError extends Error {
  override name = 'RenderTimeoutError'
  constructor(readonly timeoutS: number) {
    super(`render exceeded ${timeoutS}s`)
  }
}
