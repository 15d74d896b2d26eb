// How a publish job talks to the core: one video's publication, opened by the job's grant. Every
// fact that decides "exactly once" is stored there, synchronously, before the worker acts on it.
import type { PublishBegin, QuotaAnswer, YouTubeMethod } from '@ytempire/contract'
import { inSpan, SpanKind, traceHeaders } from '@ytempire/contract/tracing'
import { CoreUnavailableError, PublishRefusedError, PublishSupersededError } from '../errors'

export class PublishCoreClient {
  private readonly base: string

  constructor(
    coreUrl: string,
    videoId: string,
    private readonly grant: string,
    private readonly signal?: AbortSignal,
  ) {
    this.base = `${coreUrl}/internal/youtube/publications/${videoId}`
  }

  /** A client span of the publish stage; the core's request span becomes its child (traceparent). */
  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return inSpan(`core ${method} ${path}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method } }, () =>
      this.send<T>(method, path, body),
    )
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.grant}`,
          ...traceHeaders(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.signal,
      })
    } catch (err) {
      if (this.signal?.aborted) throw err
      throw new CoreUnavailableError(`the core could not be reached: ${(err as Error).message}`)
    }
    if (res.status === 204) return undefined as T
    const text = await res.text()
    if (res.ok) return JSON.parse(text) as T
    let detail = text
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? text
    } catch {}
    if (res.status === 401) throw new PublishSupersededError(detail)
    // 409: the core refuses for good (the outcome of an upload is unknown, the channel was relinked...).
    if (res.status === 409 || res.status === 404) throw new PublishRefusedError(`the core refused: ${detail}`)
    throw new CoreUnavailableError(`the core answered ${res.status}: ${detail.slice(0, 300)}`)
  }

  begin = () => this.call<PublishBegin>('POST', '/begin')
  token = (refused = false) => this.call<{ accessToken: string; expiresAt: string }>('POST', '/token', { refused })
  reserve = (method: YouTubeMethod) => this.call<QuotaAnswer>('POST', '/quota', { method })
  limit = (method: YouTubeMethod, reason: 'quotaExceeded' | 'uploadLimitExceeded') =>
    this.call<QuotaAnswer>('POST', '/limit', { method, reason })
  saveSession = (uri: string, size: number) => this.call<{ uri: string; size: number }>('PUT', '/session', { uri, size })
  dropSession = () => this.call<void>('DELETE', '/session')
  finalChunk = () => this.call<void>('POST', '/session/final')
  uploaded = (video: { id: string; privacyStatus?: string; publishAt?: string | null }) =>
    this.call<{ recorded: boolean }>('POST', '/uploaded', video)
  thumbnail = (outcome: 'set' | 'skipped' | 'failed', warning?: string) => this.call<void>('POST', '/thumbnail', { outcome, warning })
  failed = (reason: string) => this.call<void>('POST', '/failed', { reason: reason.slice(0, 2000) })
}
