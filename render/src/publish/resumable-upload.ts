// YouTube's resumable upload protocol, by hand: the googleapis SDK sends one multipart POST and
// never resumes (google-api-nodejs-client#276), and gaxios never retries a POST.
//
//   POST  {root}upload/youtube/v3/videos?uploadType=resumable&part=...   -> 200, Location: session URI
//   PUT   session  Content-Range: bytes A-B/SIZE                          -> 308 (+ Range) ... 200/201 + video
//   PUT   session  Content-Range: bytes */SIZE  (after any interruption)  -> 308 + Range: bytes=0-N | 200/201 | 404
//
// Exactly once: the session URI is stored (by the core) before the first byte; after any failure
// the server is asked what it has and the upload continues from its offset; an expired session
// (404) is replaced only while no video can exist from it, i.e. before its last chunk was sent.
import { inSpan, SpanKind } from '@ytempire/contract/tracing'
import type { Logger } from 'pino'
import { UPLOAD_CHUNK_UNIT } from '../config'
import { YouTubeApiError } from '../errors'
import { countYouTubeError } from '../metrics'

/** Where the session lives between attempts, workers and restarts (the core, for publish jobs). */
export interface UploadSessionStore {
  /** Persists a new session before any byte is sent; answers the session to use (the first one stored wins). */
  save(uri: string, size: number): Promise<{ uri: string; size: number }>
  /** The session expired (404): forget it. Refused (throws) once its last chunk may have been sent. */
  drop(): Promise<void>
  /** Recorded before the last chunk goes out: from then on a video may exist without our knowing its id. */
  finalChunk(): Promise<void>
}

export interface ResumableUploadOptions {
  /** `{apiRoot}upload/youtube/v3/videos?uploadType=resumable&part=snippet,status` */
  url: string
  /** the video resource (snippet, status) */
  metadata: unknown
  file: { path: string; size: number; contentType: string }
  /** a session opened by an earlier attempt, if any */
  session: { uri: string; size: number } | null
  /** whether an earlier attempt may have sent the last chunk */
  finalChunkSent: boolean
  /** multiple of 256 KiB */
  chunkBytes: number
  store: UploadSessionStore
  /** the current access token; `refused` asks for a new one after a 401 */
  accessToken(refused?: boolean): Promise<string>
  /** called before a session is opened (counts the videos.insert call against the quota; may throw to wait) */
  beforeOpen(): Promise<void>
  onProgress?(bytesOnServer: number, size: number): void
  /** bytes put on the wire by one PUT */
  onBytesSent?(bytes: number): void
  retry: { max: number; baseMs: number; maxMs?: number }
  signal?: AbortSignal
  log?: Logger
}

/** The video resource YouTube answers with once the last byte is in. */
export interface UploadedVideo {
  id: string
  snippet?: { channelId?: string; title?: string }
  status?: { privacyStatus?: string; publishAt?: string; uploadStatus?: string }
}

type SessionState = { done: UploadedVideo } | { offset: number } | { expired: true }

export async function resumableUpload(o: ResumableUploadOptions): Promise<UploadedVideo> {
  if (o.chunkBytes % UPLOAD_CHUNK_UNIT !== 0) throw new Error('chunkBytes must be a multiple of 256 KiB')
  const { size } = o.file
  let session = o.session
  let finalSent = o.finalChunkSent
  let failures = 0
  // A 401 asks for a fresh token, twice at most in a row (a token expires during a long upload).
  let refreshNext = false
  let refreshes = 0
  const auth = async () => {
    const token = await o.accessToken(refreshNext)
    refreshNext = false
    return { authorization: `Bearer ${token}` }
  }
  async function refused(res: Response): Promise<boolean> {
    if (res.status !== 401 || refreshes >= 2) return false
    refreshes++
    refreshNext = true
    await res.body?.cancel()
    return true
  }
  /** Backs off after a failure; gives up after `retry.max` in a row (the job's own retry takes over, and resumes). */
  async function failed(err: unknown): Promise<void> {
    failures++
    if (failures > o.retry.max) throw err
    const delay = Math.min(o.retry.maxMs ?? 60_000, o.retry.baseMs * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5)
    o.log?.warn({ err: (err as Error).message, failures, delayMs: Math.round(delay) }, 'upload interrupted; backing off')
    await sleep(delay, o.signal)
  }

  /** Opens a session and stores it; `ours` is false when another worker's stored session won. */
  async function open(): Promise<{ session: { uri: string; size: number }; ours: boolean }> {
    await o.beforeOpen()
    for (;;) {
      o.signal?.throwIfAborted()
      let res: Response
      try {
        const headers = {
          ...(await auth()),
          'content-type': 'application/json; charset=UTF-8',
          'x-upload-content-length': String(size),
          'x-upload-content-type': o.file.contentType,
        }
        res = await youtubeCall('youtube upload open', {}, () =>
          fetch(o.url, { method: 'POST', headers, body: JSON.stringify(o.metadata), signal: o.signal }),
        )
      } catch (err) {
        if (o.signal?.aborted) throw err
        // No session was stored: a lost answer leaves at most an empty session at YouTube, never a video.
        await failed(err)
        continue
      }
      if (await refused(res)) continue
      if (!res.ok) {
        const err = await YouTubeApiError.from(res)
        countYouTubeError(err.reason)
        if (!err.retryable) throw err
        await failed(err)
        continue
      }
      await res.body?.cancel()
      const uri = res.headers.get('location')
      if (!uri) throw new YouTubeApiError(res.status, undefined, 'no Location header on the resumable session')
      refreshes = 0
      const stored = await o.store.save(uri, size)
      return { session: stored, ours: stored.uri === uri }
    }
  }

  /** Asks the session what it has: `Content-Range: bytes *\/SIZE`. */
  async function query(uri: string): Promise<SessionState> {
    for (;;) {
      o.signal?.throwIfAborted()
      let res: Response
      try {
        const headers = { ...(await auth()), 'content-range': `bytes */${size}` }
        res = await youtubeCall('youtube upload query', {}, () => fetch(uri, { method: 'PUT', headers, signal: o.signal }))
      } catch (err) {
        if (o.signal?.aborted) throw err
        await failed(err)
        continue
      }
      const state = await interpret(res)
      if (state) return state
    }
  }

  /** A PUT's answer: finished, the server's offset, expired, or undefined after handling a retryable failure. */
  async function interpret(res: Response): Promise<SessionState | undefined> {
    if (res.status === 200 || res.status === 201 || res.status === 308) refreshes = 0
    if (res.status === 200 || res.status === 201) return { done: (await res.json()) as UploadedVideo }
    if (res.status === 308) {
      await res.body?.cancel()
      // No Range header: the server has nothing yet.
      const m = /bytes=0-(\d+)/.exec(res.headers.get('range') ?? '')
      return { offset: m ? Number(m[1]) + 1 : 0 }
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return { expired: true }
    }
    if (await refused(res)) return undefined
    const err = await YouTubeApiError.from(res)
    countYouTubeError(err.reason)
    if (!err.retryable) throw err
    await failed(err)
    return undefined
  }

  for (;;) {
    let state: SessionState
    if (!session) {
      const opened = await open()
      session = opened.session
      // Another worker may have stored its session first: ours is left unused (no byte, no video), theirs is asked.
      state = opened.ours ? { offset: 0 } : await query(session.uri)
    } else state = await query(session.uri)

    while ('offset' in state) {
      const offset = state.offset
      o.onProgress?.(offset, size)
      if (offset >= size) {
        state = await query(session.uri)
        break
      }
      const end = Math.min(offset + o.chunkBytes, size) - 1
      if (end === size - 1 && !finalSent) {
        await o.store.finalChunk()
        finalSent = true
      }
      let res: Response
      try {
        o.signal?.throwIfAborted()
        const headers = { ...(await auth()), 'content-range': `bytes ${offset}-${end}/${size}`, 'content-type': o.file.contentType }
        const uri = session.uri
        res = await youtubeCall('youtube upload chunk', { 'ytempire.upload.offset': offset, 'ytempire.upload.end': end }, () =>
          fetch(uri, { method: 'PUT', headers, body: Bun.file(o.file.path).slice(offset, end + 1), signal: o.signal }),
        )
      } catch (err) {
        if (o.signal?.aborted) throw err
        await failed(err)
        state = await query(session.uri)
        continue
      }
      o.onBytesSent?.(end + 1 - offset)
      const next = await interpret(res)
      if (!next) {
        state = await query(session.uri)
        continue
      }
      if ('offset' in next && next.offset > offset) failures = 0
      state = next
    }
    if ('done' in state) {
      o.onProgress?.(size, size)
      return state.done
    }
    // Expired: a fresh session only while no video can exist from this one (the store refuses otherwise).
    o.log?.warn('upload session expired; opening a new one')
    await o.store.drop()
    session = null
    finalSent = false
  }
}

/** A client span per request to YouTube, with its answer's status (the bytes, not the span, carry the retries). */
function youtubeCall(name: string, attributes: Record<string, number>, send: () => Promise<Response>): Promise<Response> {
  return inSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const res = await send()
    span.setAttribute('http.response.status_code', res.status)
    return res
  })
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}
