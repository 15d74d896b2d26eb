/**
 * YouTube answered with an error body (`{ error: { code, message, errors: [{ reason }] } }`).
 * 5xx is retried with backoff by the uploader; quotaExceeded and uploadLimitExceeded become waits;
 * anything else is the request's fault.
 */
export class YouTubeApiError extends Error {
  override name = 'YouTubeApiError'
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    detail: string,
  ) {
    super(`YouTube answered ${status}${reason ? ` ${reason}` : ''}: ${detail.slice(0, 300)}`)
  }

  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429
  }

  /** Reads Google's error body from a response. */
  static async from(res: Response): Promise<YouTubeApiError> {
    const text = await res.text().catch(() => '')
    let reason: string | undefined
    let message = text || res.statusText
    try {
      const body = JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string }[] } }
      reason = body.error?.errors?.[0]?.reason
      message = body.error?.message ?? message
    } catch {}
    return new YouTubeApiError(res.status, reason, message)
  }
}
