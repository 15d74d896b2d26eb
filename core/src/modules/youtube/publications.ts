// A video's way onto YouTube, exactly once. The core holds every fact that decides it (the session
// URI before the first byte, "the last chunk may have left", the YouTube video id) in PostgreSQL,
// so a retried job, a SIGKILLed worker or a restarted core picks up where the upload stood and never
// opens a second session once a video may exist. Workers reach these facts only through the
// grant of their job, one video at a time.
import {
  type PrivacyStatus,
  type PublishBegin,
  type QuotaAnswer,
  type VideoJob,
  videoFileKey,
  type YouTubeMethod,
} from '@ytempire/contract'
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm'
import { randomToken, sha256Hex, timingSafeEqualHex } from '../../crypto/hash'
import type { Db } from '../../db'
import { channels, videoPublications, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, type FieldError, notFound, Problem, unauthorized, unprocessable } from '../../http/problem'
import type { OutboxPayloads } from '../../infra/outbox'
import { videoView } from '../videos/service'
import { GrantRevokedError } from './grant-revoked-error'
import type { YouTubeService } from './service'
import { WAIT_REASONS } from './views'

type PublicationRow = typeof videoPublications.$inferSelect
type ChannelRow = typeof channels.$inferSelect
type VideoRow = typeof videos.$inferSelect
export type PublishInput = { privacy?: PrivacyStatus; publishAt?: string }
/** A checked publish request: what the upload will be. */
export type PublishChoice = { privacy: PrivacyStatus; publishAt: Date | null }
/** A job's grant, and the hash the publication keeps of it. */
export type Grant = { grant: string; hash: string }

const SESSION_CONTEXT = (videoId: string) => `youtube-session:${videoId}`
/** A scheduled time this close is treated as passed: YouTube refuses publishAt in the past. */
const SCHEDULE_MARGIN_MS = 2 * 60_000
/** Quota resets at midnight Pacific; jobs wake a moment later so they never arrive before it. */
const WAKE_AFTER_RESET_MS = 1_000

export function createPublicationService(deps: Deps, youtube: YouTubeService) {
  const db = deps.database.db
  const { clock, log } = deps
  const metrics = youtube.metrics

  async function notify(videoId: string) {
    const [v] = await db.select().from(videos).where(eq(videos.id, videoId))
    const [p] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, videoId))
    if (v) await deps.videoUpdates.publish(videoId, videoView(v, p))
  }

  async function update(videoId: string, patch: Partial<PublicationRow>) {
    const [row] = await db
      .update(videoPublications)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(videoPublications.videoId, videoId))
      .returning()
    await notify(videoId)
    return row
  }

  /**
   * Writes a change of the publication and, in the same transaction, the webhook event it causes
   * (`announce` answers undefined when the change was already made: a repeated report tells no one twice).
   */
  async function changeAndAnnounce(
    change: (tx: Db) => Promise<PublicationRow | undefined>,
    announce: (row: PublicationRow, tx: Db) => Promise<OutboxPayloads['webhook.emit']>,
  ): Promise<PublicationRow | undefined> {
    let outboxId: number | undefined
    const row = await db.transaction(async (tx) => {
      const changed = await change(tx)
      if (changed) outboxId = await deps.outbox.add(tx, 'webhook.emit', await announce(changed, tx))
      return changed
    })
    if (outboxId !== undefined) await deps.outbox.flush([outboxId])
    return row
  }

  async function wait(
    row: PublicationRow,
    until: number,
    reason: string,
  ): Promise<{ until: string; retryAfterMs: number; reason: string }> {
    const waitingUntil = new Date(until)
    // Owners hear of each wait once: asking again for the same reset changes nothing.
    const started = await changeAndAnnounce(
      (tx) =>
        tx
          .update(videoPublications)
          .set({ status: 'waiting', waitingUntil, waitReason: reason, updatedAt: new Date() })
          .where(
            and(
              eq(videoPublications.videoId, row.videoId),
              sql`not (${videoPublications.status} = 'waiting' and ${videoPublications.waitingUntil} = ${waitingUntil.toISOString()}::timestamptz and ${videoPublications.waitReason} = ${reason})`,
            ),
          )
          .returning()
          .then(([r]) => r),
      async (p) => ({
        userId: p.userId,
        type: 'channel.quota_waiting',
        data: { channelId: p.channelId, videoId: p.videoId, reason, until: waitingUntil.toISOString() },
      }),
    )
    if (started) {
      await notify(row.videoId)
      metrics.publications.inc({ outcome: reason === WAIT_REASONS.quota ? 'waiting_quota' : 'waiting_upload_limit' })
    }
    return { until: waitingUntil.toISOString(), retryAfterMs: Math.max(0, until - clock()) + WAKE_AFTER_RESET_MS, reason }
  }

  async function pause(videoId: string, reason: string) {
    await update(videoId, { status: 'paused', error: reason })
    metrics.publications.inc({ outcome: 'paused' })
  }

  /** Checks a publish request for a channel; every mistake names its field. */
  async function check(channel: ChannelRow, input: PublishInput, at = 'publish'): Promise<PublishChoice> {
    const conn = await youtube.connection(channel.id)
    if (!conn)
      throw new Problem(409, 'Conflict', 'The channel is not connected to YouTube: POST /v1/channels/:id/youtube/connect first', {
        type: 'youtube-not-connected',
        errors: [{ field: at || 'channelId', message: 'the channel is not connected to YouTube' }],
      })
    if (conn.status === 'reconnect_needed')
      throw new Problem(409, 'Conflict', 'The channel needs reconnecting to YouTube before it can publish', {
        type: 'youtube-reconnect-needed',
        errors: [{ field: at || 'channelId', message: conn.statusReason ?? 'reconnect needed' }],
      })
    const errors: FieldError[] = []
    const field = (name: string) => (at ? `${at}.${name}` : name)
    let publishAt: Date | null = null
    if (input.publishAt !== undefined) {
      publishAt = new Date(input.publishAt)
      if (Number.isNaN(publishAt.getTime())) errors.push({ field: field('publishAt'), message: 'must be an ISO-8601 date-time' })
      else if (publishAt.getTime() <= clock() + SCHEDULE_MARGIN_MS)
        errors.push({ field: field('publishAt'), message: 'must be in the future (at least 2 minutes from now)' })
    }
    const privacy = input.privacy ?? (publishAt ? 'private' : channel.defaultPrivacy)
    if (publishAt && privacy !== 'private')
      errors.push({
        field: field('privacy'),
        message: `YouTube schedules only private videos: send privacy "private" with publishAt (it turns public at that time), not "${privacy}"`,
      })
    if (errors.length) throw unprocessable(`Invalid publish request: ${errors.map((e) => e.field).join(', ')}`, errors)
    return { privacy, publishAt }
  }

  const newGrant = (): Grant => {
    const grant = `ypg_${randomToken(32)}`
    return { grant, hash: sha256Hex(grant) }
  }

  /** Creates (or renews, for another try) the video's publication under `grant`, which only the publish job carries. */
  async function open(video: VideoRow, choice: PublishChoice, requestedBy: 'api' | 'autopilot', grant: Grant, tx: Db = db) {
    const fresh = {
      status: 'queued' as const,
      privacy: choice.privacy,
      publishAt: choice.publishAt,
      grantHash: grant.hash,
      error: null,
      waitingUntil: null,
      waitReason: null,
    }
    const [row] = await tx
      .insert(videoPublications)
      .values({ videoId: video.id, userId: video.userId, channelId: video.channelId, requestedBy, ...fresh })
      .onConflictDoUpdate({
        target: videoPublications.videoId,
        set: { ...fresh, round: sql`${videoPublications.round} + 1`, updatedAt: new Date() },
      })
      .returning()
    return row!
  }

  // The video job of a finished video comes from the videos service (wired by the app).
  let jobOf: ((video: VideoRow, grant: string) => Promise<VideoJob>) | undefined

  /** A publish job for a video that is already rendered: the publish stage alone, reading the video's files. */
  async function dispatch(video: VideoRow, row: PublicationRow, grant: Grant) {
    if (!jobOf) throw new Error('publications: no job source wired')
    const job = await jobOf(video, grant.grant)
    job.publish = {
      grant: grant.grant,
      files: { scriptKey: videoFileKey(video.userId, video.id, 'script'), videoKey: video.videoKey!, thumbnailKey: video.thumbnailKey },
    }
    await deps.pipeline.publish(job, row.round)
  }

  const service = {
    check,
    open,
    newGrant,
    jobsFrom(source: (video: VideoRow, grant: string) => Promise<VideoJob>) {
      jobOf = source
    },

    /** `POST /v1/videos/:id/publish`: a finished video goes to YouTube. */
    async publishFinished(userId: string, videoId: string, input: PublishInput) {
      const [v] = await db
        .select()
        .from(videos)
        .where(and(eq(videos.id, videoId), eq(videos.userId, userId)))
      if (!v) throw notFound('Video')
      if (v.status !== 'completed')
        throw new Problem(
          409,
          'Conflict',
          `The video is ${v.status}, not finished: publish it once it is completed, or ask for publish when creating it`,
          {
            type: 'video-not-finished',
            errors: [{ field: 'id', message: `video is ${v.status}` }],
          },
        )
      const [existing] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, videoId))
      if (existing?.youtubeVideoId)
        throw conflict(`The video is already on YouTube: https://www.youtube.com/watch?v=${existing.youtubeVideoId}`)
      if (existing && ['queued', 'waiting', 'uploading', 'uploaded'].includes(existing.status))
        throw conflict(`The video is already being published (${existing.status})`)
      if (existing?.finalChunkAt)
        throw conflict(
          'The last upload of this video may have reached YouTube without an answer; check the channel in YouTube Studio before anything else',
        )
      const [channel] = await db.select().from(channels).where(eq(channels.id, v.channelId))
      if (!v.videoKey) throw conflict('The video has no rendered file to publish')
      const choice = await check(channel!, input, '')
      const grant = newGrant()
      const row = await open(v, choice, 'api', grant)
      await dispatch(v, row, grant)
      await notify(videoId)
      return row
    },

    /** The publication a worker's grant opens, or 401: a grant works for its own video only, and only for the current try. */
    async authenticate(videoId: string, grant: string | undefined): Promise<PublicationRow> {
      const [row] = grant ? await db.select().from(videoPublications).where(eq(videoPublications.videoId, videoId)) : []
      if (!row || !grant || !timingSafeEqualHex(sha256Hex(grant), row.grantHash))
        throw unauthorized('Unknown or superseded publish grant', 'invalid-grant')
      return row
    },

    async begin(row: PublicationRow): Promise<PublishBegin> {
      if (row.youtubeVideoId && row.status === 'published') return { action: 'done', youtubeVideoId: row.youtubeVideoId }
      if (row.status === 'failed') return { action: 'stop', reason: row.error ?? 'failed' }
      const conn = await youtube.connection(row.channelId)
      if (!conn || conn.status === 'reconnect_needed') {
        const reason = conn
          ? `the channel needs reconnecting to YouTube (${conn.statusReason})`
          : 'the channel was disconnected from YouTube'
        await pause(row.videoId, reason)
        return { action: 'pause', reason }
      }
      if (row.youtubeChannelId && row.youtubeChannelId !== conn.youtubeChannelId && !row.youtubeVideoId) {
        // The channel was linked to another YouTube channel mid-upload: that session is not ours to finish.
        if (row.finalChunkAt) {
          await update(row.videoId, {
            status: 'failed',
            error: 'the channel was relinked to another YouTube channel after the upload may have finished',
          })
          return { action: 'stop', reason: 'relinked mid-upload' }
        }
        row = (await update(row.videoId, { sessionUriEnc: null, sessionBytes: null, youtubeChannelId: null }))!
      }
      const now = clock()
      if (!row.youtubeVideoId && conn.uploadsPausedUntil && conn.uploadsPausedUntil.getTime() > now)
        return { action: 'wait', ...(await wait(row, conn.uploadsPausedUntil.getTime(), WAIT_REASONS.uploadLimit)) }
      let token: { accessToken: string; expiresAt: number }
      try {
        token = await youtube.accessToken(row.channelId)
      } catch (err) {
        if (!(err instanceof GrantRevokedError)) throw err
        // markReconnectNeeded paused it already (listeners); make sure of this one too.
        await pause(row.videoId, `the channel needs reconnecting to YouTube (${err.message})`)
        return { action: 'pause', reason: err.message }
      }
      let { privacy, publishAt, warnings } = row
      if (!row.youtubeVideoId && publishAt && publishAt.getTime() <= now + SCHEDULE_MARGIN_MS) {
        // The slot passed while the job waited (quota, reconnect): published at once instead of refused.
        warnings = [...warnings, `the scheduled time ${publishAt.toISOString()} passed before the upload; published at once`]
        privacy = 'public'
        publishAt = null
      }
      row = (await update(row.videoId, {
        status: row.youtubeVideoId ? 'uploaded' : 'uploading',
        privacy,
        publishAt,
        warnings,
        waitingUntil: null,
        waitReason: null,
        error: null,
      }))!
      const [channel] = await db.select().from(channels).where(eq(channels.id, row.channelId))
      return {
        action: 'upload',
        accessToken: token.accessToken,
        accessTokenExpiresAt: new Date(token.expiresAt).toISOString(),
        settings: {
          privacy,
          publishAt: publishAt?.toISOString() ?? null,
          categoryId: channel!.categoryId,
          madeForKids: channel!.madeForKids,
          containsSyntheticMedia: channel!.containsSyntheticMedia,
          language: channel!.language,
        },
        session: row.sessionUriEnc
          ? { uri: await deps.box.open(row.sessionUriEnc, SESSION_CONTEXT(row.videoId)), size: row.sessionBytes ?? 0 }
          : null,
        finalChunkSent: row.finalChunkAt !== null,
        youtubeVideoId: row.youtubeVideoId,
        thumbnail: row.thumbnail,
        customThumbnails: conn.customThumbnails,
      }
    },

    async accessToken(row: PublicationRow, refused?: boolean) {
      if (refused) youtube.forgetAccessToken(row.channelId)
      try {
        const t = await youtube.accessToken(row.channelId)
        return { accessToken: t.accessToken, expiresAt: new Date(t.expiresAt).toISOString() }
      } catch (err) {
        if (!(err instanceof GrantRevokedError)) throw err
        await pause(row.videoId, `the channel needs reconnecting to YouTube (${err.message})`)
        throw new Problem(409, 'Conflict', 'The channel needs reconnecting to YouTube', { type: 'youtube-reconnect-needed' })
      }
    },

    /** Counts a call before the worker makes it; a spent bucket answers when to come back. */
    async reserve(row: PublicationRow, method: YouTubeMethod): Promise<QuotaAnswer> {
      const r = await youtube.quota.reserve(method)
      if (r.granted) return { granted: true }
      return { granted: false, ...(await wait(row, r.resetAt, WAIT_REASONS.quota)) }
    },

    /** YouTube said no: quotaExceeded spends the bucket until the reset; uploadLimitExceeded pauses this channel only. */
    async limit(row: PublicationRow, method: YouTubeMethod, reason: 'quotaExceeded' | 'uploadLimitExceeded'): Promise<QuotaAnswer> {
      if (reason === 'quotaExceeded') {
        const { resetAt } = await youtube.quota.markSpent(youtube.quota.bucketOf(method))
        log.warn({ method, resetAt: new Date(resetAt) }, 'YouTube answered quotaExceeded: bucket spent until the reset')
        return { granted: false, ...(await wait(row, resetAt, WAIT_REASONS.quota)) }
      }
      const until = clock() + deps.config.youtube.uploadLimitPauseS * 1000
      await youtube.pauseUploads(row.channelId, until)
      log.warn({ channelId: row.channelId }, 'YouTube answered uploadLimitExceeded: this channel waits')
      return { granted: false, ...(await wait(row, until, WAIT_REASONS.uploadLimit)) }
    },

    /** Stores the session before its first byte; the first one stored wins, and its URI is the answer. */
    async storeSession(row: PublicationRow, uri: string, size: number): Promise<{ uri: string; size: number }> {
      const conn = await youtube.connection(row.channelId)
      const [stored] = await db
        .update(videoPublications)
        .set({
          sessionUriEnc: await deps.box.seal(uri, SESSION_CONTEXT(row.videoId)),
          sessionBytes: size,
          youtubeChannelId: conn?.youtubeChannelId ?? null,
          status: 'uploading',
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(videoPublications.videoId, row.videoId),
            isNull(videoPublications.sessionUriEnc),
            isNull(videoPublications.youtubeVideoId),
          ),
        )
        .returning()
      if (stored) return { uri, size }
      const [current] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, row.videoId))
      if (!current?.sessionUriEnc) throw conflict('The video is already on YouTube; no session is needed')
      return { uri: await deps.box.open(current.sessionUriEnc, SESSION_CONTEXT(row.videoId)), size: current.sessionBytes ?? size }
    },

    /** An expired session (404) is forgotten only while no video can exist from it. */
    async dropSession(row: PublicationRow) {
      const [dropped] = await db
        .update(videoPublications)
        .set({ sessionUriEnc: null, sessionBytes: null, updatedAt: new Date() })
        .where(
          and(eq(videoPublications.videoId, row.videoId), isNull(videoPublications.finalChunkAt), isNull(videoPublications.youtubeVideoId)),
        )
        .returning()
      if (dropped) return
      const reason =
        'the upload session expired after its last chunk was sent, so a YouTube video may exist; check the channel in YouTube Studio'
      await update(row.videoId, { status: 'failed', error: reason })
      metrics.publications.inc({ outcome: 'failed' })
      throw new Problem(409, 'Conflict', reason, { type: 'youtube-outcome-unknown' })
    },

    async finalChunk(row: PublicationRow) {
      await db
        .update(videoPublications)
        .set({ finalChunkAt: new Date(), updatedAt: new Date() })
        .where(and(eq(videoPublications.videoId, row.videoId), isNull(videoPublications.finalChunkAt)))
    },

    /** The final answer of the upload: the YouTube video. Recorded once; a second id would be a duplicate upload. */
    async uploaded(row: PublicationRow, video: { id: string; privacyStatus?: string; publishAt?: string | null }) {
      const [recorded] = await db
        .update(videoPublications)
        .set({ youtubeVideoId: video.id, status: 'uploaded', uploadedAt: new Date(), sessionUriEnc: null, updatedAt: new Date() })
        .where(and(eq(videoPublications.videoId, row.videoId), isNull(videoPublications.youtubeVideoId)))
        .returning()
      if (recorded) {
        await notify(row.videoId)
        return { recorded: true }
      }
      const [current] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, row.videoId))
      if (current?.youtubeVideoId !== video.id) {
        metrics.publications.inc({ outcome: 'duplicate' })
        log.error(
          { videoId: row.videoId, first: current?.youtubeVideoId, second: video.id },
          'a second YouTube video was reported for one video',
        )
      }
      return { recorded: false }
    },

    /** The last step: the video is on YouTube with its thumbnail (or without, and why). Announced once. */
    async thumbnail(row: PublicationRow, outcome: 'set' | 'skipped' | 'failed', warning?: string) {
      const warnings = warning ? [...row.warnings, warning] : row.warnings
      const published = await changeAndAnnounce(
        (tx) =>
          tx
            .update(videoPublications)
            .set({ thumbnail: outcome, warnings, status: 'published', updatedAt: new Date() })
            .where(and(eq(videoPublications.videoId, row.videoId), ne(videoPublications.status, 'published')))
            .returning()
            .then(([r]) => r),
        async (p, tx) => {
          const [v] = await tx.select().from(videos).where(eq(videos.id, p.videoId))
          return { userId: p.userId, type: 'video.published', data: { video: videoView(v!, p) } }
        },
      )
      if (!published) return
      await notify(row.videoId)
      metrics.publications.inc({ outcome: 'published' })
      if (outcome !== 'set') metrics.publications.inc({ outcome: `thumbnail_${outcome}` })
    },

    /** The publish job failed for good (its last attempt, or a permanent error). */
    async failed(videoId: string, reason: string) {
      const [row] = await db
        .update(videoPublications)
        .set({ status: 'failed', error: reason, updatedAt: new Date() })
        .where(
          and(eq(videoPublications.videoId, videoId), inArray(videoPublications.status, ['queued', 'waiting', 'uploading', 'uploaded'])),
        )
        .returning()
      if (row) {
        metrics.publications.inc({ outcome: 'failed' })
        await notify(videoId)
      }
    },
  }

  youtube.listen({
    // Paused publications of a reconnected channel go on, each with a new grant.
    async connected(channelId) {
      const paused = await db
        .select()
        .from(videoPublications)
        .where(and(eq(videoPublications.channelId, channelId), eq(videoPublications.status, 'paused')))
      for (const p of paused) {
        const [v] = await db.select().from(videos).where(eq(videos.id, p.videoId))
        if (!v?.videoKey) continue
        const grant = newGrant()
        const row = await open(v, { privacy: p.privacy, publishAt: p.publishAt }, p.requestedBy, grant)
        await dispatch(v, row, grant).catch((err) => log.error({ err, videoId: v.id }, 'could not resume a paused publication'))
      }
    },
    async blocked(channelId, reason) {
      const rows = await db
        .update(videoPublications)
        .set({ status: 'paused', error: reason, updatedAt: new Date() })
        .where(and(eq(videoPublications.channelId, channelId), inArray(videoPublications.status, ['queued', 'waiting', 'uploading'])))
        .returning({ videoId: videoPublications.videoId })
      for (const r of rows) await notify(r.videoId)
    },
  })

  return service
}
export type PublicationService = ReturnType<typeof createPublicationService>
