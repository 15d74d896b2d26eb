// The live progress of one video as Server-Sent Events. The stream subscribes before it reads its
// snapshot (an update in between is not lost), sends only what is newer than what it sent (by the
// video's updatedAt), re-reads the video every `progressResyncMs` (a missed pub/sub message is caught
// up), and closes when nothing more will happen to the video (finished, and not on its way to
// YouTube) or the session that opened it has ended.
import type { Deps } from '../../deps'
import type { ApiKeyService } from '../api-keys/service'
import type { Principal } from '../auth/principal'
import { publicationActive } from '../youtube/views'
import { isTerminal, type VideoService, type VideoView } from './service'

const SSE_PING_MS = 10_000

/** Nothing more will happen to the video: finished, and not on its way to YouTube. */
const settled = (v: VideoView) => isTerminal(v.status) && !publicationActive(v.youtube)

export async function progressStream(
  deps: Deps,
  videos: VideoService,
  apiKeys: ApiKeyService,
  principal: Principal,
  videoId: string,
  request: Request,
): Promise<Response> {
  await videos.get(principal.userId, videoId) // another user's video answers 404 before any stream opens
  const encoder = new TextEncoder()
  const authorization = request.headers.get('authorization')
  /** The caller may still watch: the session is live, or the API key is not revoked. */
  const stillAllowed = async (): Promise<boolean> => {
    if (principal.sessionId) return deps.sessions.isLive(principal.sessionId)
    if (principal.via === 'api_key' && authorization)
      return apiKeys.authenticate(authorization.replace(/^Bearer\s+/i, '').trim()).then(
        () => true,
        () => false,
      )
    return true
  }
  /** The video as the API shows it now; undefined once it is gone (erased with its account or channel). */
  const current = () => videos.view(principal.userId, videoId).catch(() => undefined)
  let cleanup = () => {}
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false
      let last: { at: number; json: string } | undefined
      let snapshotSent = false
      const early: VideoView[] = []
      const close = () => {
        if (closed) return
        closed = true
        cleanup()
        try {
          controller.close()
        } catch {}
      }
      const write = (text: string) => {
        if (closed) return
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          close()
        }
      }
      /** Sends the view if it is newer than the last one sent (or the same time with other content). */
      const offer = (event: 'snapshot' | 'update', view: VideoView) => {
        const at = Date.parse(view.updatedAt)
        const json = JSON.stringify(view)
        if (last && (at < last.at || (at === last.at && json === last.json))) return
        last = { at, json }
        write(`event: ${event}\ndata: ${json}\n\n`)
        if (settled(view)) close()
      }

      // Subscribe first: whatever is published while the snapshot is read waits, then goes out if newer.
      const off = deps.videoUpdates.listen(videoId, (update) => {
        if (snapshotSent) offer('update', update as VideoView)
        else early.push(update as VideoView)
      })
      const offSession = principal.sessionId ? deps.videoUpdates.onSessionEnded(principal.sessionId, close) : () => {}
      const ping = setInterval(() => write(': ping\n\n'), SSE_PING_MS)
      const resync = setInterval(async () => {
        try {
          const view = (await stillAllowed()) ? await current() : undefined
          if (!view) return close()
          offer('update', view)
        } catch (err) {
          deps.log.warn({ err, videoId }, 'progress stream resync failed')
        }
      }, deps.config.progressResyncMs)
      cleanup = () => {
        off()
        offSession()
        clearInterval(ping)
        clearInterval(resync)
      }
      request.signal.addEventListener('abort', close)

      const snapshot = await current()
      if (!snapshot) return close()
      offer('snapshot', snapshot)
      snapshotSent = true
      for (const update of early.splice(0)) offer('update', update)
    },
    cancel() {
      cleanup()
    },
  })
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  })
}
