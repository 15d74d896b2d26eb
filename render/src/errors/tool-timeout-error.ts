/** A tool (ffprobe, ffmpeg, espeak-ng) ran past its limit and was killed. Retryable: the machine may have been busy. */
export class ToolTimeoutError extends Error {
  override name = 'ToolTimeoutError'
  constructor(tool: string, timeoutS: number) {
    super(`${tool} did not finish within ${timeoutS} s`)
  }
}
