// One publish attempt: ask the core where the video's publication stands, upload (or resume) it
// exactly once, record the YouTube video, then the thumbnail. Waits (quota, the channel's upload
// limit) come back as StageDelay: the job is delayed, not failed.
import { stat } from 'node:fs/promises'
import type { PublishBegin, QuotaAnswer, VideoScript } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import { UnrecoverableError } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { PublishRefusedError, PublishSupersededError, StageDelay, YouTubeApiError } from '../errors'
import { youtubeUploadBytes } from '../metrics'
import { PublishCoreClient } from './core-client'
import { videoResource } from './metadata'
import { resumableUpload, type UploadedVideo } from './resumable-upload'
import { youtubeApi } from './youtube-api'

export interface PublishInputs {
  videoId: string
  /** overrides the script's title */
  title?: string
  scriptKey: string
  videoKey: string
  thumbnailKey: string | null
  /** the job's grant for the core */
  grant: string
}

export interface PublishDeps {
  config: RenderConfig
  storage: Storage
  /** private temp directory */
  dir: string
  signal: AbortSignal
  log: Logger
  progress(percent: number): void
}

export type PublishResult =
  | { outcome: 'published'; youtubeVideoId: string; url: string; thumbnail: 'pending' | 'set' | 'skipped' | 'failed' }
  /** the channel needs reconnecting: the core dispatches the video again once it is */
  | { outcome: 'paused'; reason: string }
  /** a newer publish request took over (its own job publishes the video) */
  | { outcome: 'superseded' }
  /** refused for good; the core has the reason */
  | { outcome: 'failed'; reason: string }

const watchUrl = (id: string) => `https://www.youtube.com/watch?v=${id}`
const NO_CUSTOM_THUMBNAILS =
  'the YouTube channel may not use custom thumbnails yet (verify it at https://www.youtube.com/verify); YouTube shows a frame of the video instead'

function waitFor(q: QuotaAnswer): void {
  if (!q.granted) throw new StageDelay(q.retryAfterMs, q.until, q.reason)
}

/**
 * One attempt. Throws StageDelay (the job is delayed), UnrecoverableError (the request is wrong) or a
 * retryable error; a refused or superseded publication is an outcome, not a failure of the video.
 */
export async function publishVideo(inp: PublishInputs, d: PublishDeps): Promise<PublishResult> {
  const core = new PublishCoreClient(d.config.coreUrl, inp.videoId, inp.grant, d.signal)
  try {
    return await attempt(inp, d, core)
  } catch (err) {
    if (err instanceof PublishSupersededError) {
      d.log.info('publish grant superseded: a newer request publishes this video')
      return { outcome: 'superseded' }
    }
    if (err instanceof PublishRefusedError) return { outcome: 'failed', reason: err.message }
    if (err instanceof UnrecoverableError) {
      // Recorded with this job's grant, so the video shows why; nothing to retry.
      await core.failed(err.message).catch((e) => d.log.warn({ err: e }, 'could not record the failure at the core'))
      return { outcome: 'failed', reason: err.message }
    }
    throw err
  }
}

async function attempt(inp: PublishInputs, d: PublishDeps, core: PublishCoreClient): Promise<PublishResult> {
  const { log } = d
  const begin = await core.begin()
  switch (begin.action) {
    case 'done':
      return { outcome: 'published', youtubeVideoId: begin.youtubeVideoId, url: watchUrl(begin.youtubeVideoId), thumbnail: 'set' }
    case 'stop':
      throw new PublishRefusedError(begin.reason)
    case 'pause':
      return { outcome: 'paused', reason: begin.reason }
    case 'wait':
      throw new StageDelay(begin.retryAfterMs, begin.until, begin.reason)
  }

  let token = begin.accessToken
  const accessToken = async (refused = false) => {
    if (refused) token = (await core.token(true)).accessToken
    return token
  }

  let youtubeVideoId = begin.youtubeVideoId
  if (!youtubeVideoId) {
    const video = await upload(inp, d, core, begin, accessToken)
    const recorded = await core.uploaded({
      id: video.id,
      privacyStatus: video.status?.privacyStatus,
      publishAt: video.status?.publishAt ?? null,
    })
    if (!recorded.recorded) log.error({ youtubeVideoId: video.id }, 'the core had another YouTube video recorded for this video')
    youtubeVideoId = video.id
    log.info({ youtubeVideoId }, 'uploaded to YouTube')
  }
  d.progress(95)

  let thumbnail = begin.thumbnail
  if (thumbnail === 'pending') thumbnail = await setThumbnail(youtubeVideoId, inp, d, core, begin, accessToken, !!begin.youtubeVideoId)
  d.progress(100)
  return { outcome: 'published', youtubeVideoId, url: watchUrl(youtubeVideoId), thumbnail }
}

async function upload(
  inp: PublishInputs,
  d: PublishDeps,
  core: PublishCoreClient,
  begin: Extract<PublishBegin, { action: 'upload' }>,
  accessToken: (refused?: boolean) => Promise<string>,
): Promise<UploadedVideo> {
  const { config, storage } = d
  const script = JSON.parse(new TextDecoder().decode(await storage.get(inp.scriptKey))) as VideoScript
  const metadata = videoResource(script, begin.settings, inp.title)
  const path = await storage.toLocalFile(inp.videoKey, d.dir)
  const { size } = await stat(path)
  try {
    return await resumableUpload({
      url: `${config.youtube.apiRoot}upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`,
      metadata,
      file: { path, size, contentType: 'video/mp4' },
      session: begin.session,
      finalChunkSent: begin.finalChunkSent,
      chunkBytes: config.youtube.chunkBytes,
      store: { save: core.saveSession, drop: core.dropSession, finalChunk: core.finalChunk },
      accessToken,
      beforeOpen: async () => waitFor(await core.reserve('videos.insert')),
      onProgress: (done, total) => d.progress((90 * done) / total),
      onBytesSent: (n) => youtubeUploadBytes.inc(n),
      retry: { max: config.youtube.maxRetries, baseMs: config.youtube.retryBaseMs },
      signal: d.signal,
      log: d.log,
    })
  } catch (err) {
    if (err instanceof YouTubeApiError) {
      if (err.reason === 'quotaExceeded' || err.reason === 'uploadLimitExceeded') waitFor(await core.limit('videos.insert', err.reason))
      // The request itself is wrong (metadata, permissions): another attempt would be refused the same way.
      if (!err.retryable) throw new UnrecoverableError(err.message)
    }
    throw err
  }
}

async function setThumbnail(
  youtubeVideoId: string,
  inp: PublishInputs,
  d: PublishDeps,
  core: PublishCoreClient,
  begin: Extract<PublishBegin, { action: 'upload' }>,
  accessToken: (refused?: boolean) => Promise<string>,
  resumed: boolean,
): Promise<'set' | 'skipped' | 'failed'> {
  const skip = async (warning: string) => {
    await core.thumbnail('skipped', warning)
    d.log.warn({ youtubeVideoId, warning }, 'thumbnail not set')
    return 'skipped' as const
  }
  if (!inp.thumbnailKey) return skip('no thumbnail was rendered for this video')
  if (!begin.customThumbnails) return skip(NO_CUSTOM_THUMBNAILS)
  const api = async (refused = false) => youtubeApi(d.config.youtube.apiRoot, await accessToken(refused))
  if (resumed) {
    // An earlier attempt uploaded the video: make sure it is still there before spending 50 units on it.
    waitFor(await core.reserve('videos.list'))
    if (!(await (await api()).getVideo(youtubeVideoId))) return skip('the video is no longer on YouTube')
  }
  waitFor(await core.reserve('thumbnails.set'))
  const image = await d.storage.get(inp.thumbnailKey)
  for (let refused = false; ; refused = true) {
    try {
      await (await api(refused)).setThumbnail(youtubeVideoId, image, 'image/jpeg')
      await core.thumbnail('set')
      return 'set'
    } catch (err) {
      if (!(err instanceof YouTubeApiError)) throw err
      if (err.status === 401 && !refused) continue
      if (err.reason === 'forbidden') return skip(NO_CUSTOM_THUMBNAILS)
      if (err.reason === 'quotaExceeded') waitFor(await core.limit('thumbnails.set', 'quotaExceeded'))
      if (err.retryable) throw err
      await core.thumbnail('failed', `YouTube refused the thumbnail: ${err.message}`)
      return 'failed'
    }
  }
}
