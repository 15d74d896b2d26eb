// The Data API calls a publish job makes through googleapis: thumbnails.set and videos.list.
// The SDK builds media URLs from the per-call options only, so `rootUrl` is passed on every call.
import { Readable } from 'node:stream'
import { inSpan, SpanKind } from '@ytempire/contract/tracing'
import { OAuth2Client } from 'google-auth-library'
// The YouTube API alone: the googleapis root module loads every Google API (~1.7 s at start).
import { youtube, type youtube_v3 } from 'googleapis/build/src/apis/youtube'
import { YouTubeApiError } from '../errors'
import { countYouTubeError } from '../metrics'

export interface YouTubeApi {
  setThumbnail(videoId: string, image: Uint8Array, mimeType: string): Promise<void>
  /** The video as its owner sees it, or null when YouTube does not know it. */
  getVideo(videoId: string): Promise<youtube_v3.Schema$Video | null>
}

export function youtubeApi(rootUrl: string, accessToken: string): YouTubeApi {
  const auth = new OAuth2Client()
  auth.setCredentials({ access_token: accessToken })
  const api = youtube({ version: 'v3', auth })
  const call = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
    inSpan(`youtube ${name}`, { kind: SpanKind.CLIENT }, async () => {
      try {
        return await fn()
      } catch (err) {
        throw asYouTubeError(err)
      }
    })
  return {
    async setThumbnail(videoId, image, mimeType) {
      await call('thumbnails.set', () =>
        api.thumbnails.set({ videoId, media: { mimeType, body: Readable.from(Buffer.from(image)) } }, { rootUrl }),
      )
    },
    async getVideo(videoId) {
      const { data } = await call('videos.list', () => api.videos.list({ part: ['status', 'snippet'], id: [videoId] }, { rootUrl }))
      return data.items?.[0] ?? null
    },
  }
}

/** A gaxios error as a YouTubeApiError (status and Google's `reason`); network errors pass through. */
function asYouTubeError(err: unknown): unknown {
  const res = (err as { response?: { status?: number; data?: { error?: { message?: string; errors?: { reason?: string }[] } } } }).response
  if (!res?.status) return err
  const reason = res.data?.error?.errors?.[0]?.reason
  countYouTubeError(reason)
  return new YouTubeApiError(res.status, reason, res.data?.error?.message ?? String(err))
}
