import {
  ASPECT_SIZE,
  type CostItem,
  PIPELINE,
  type Plan,
  TERMINAL_VIDEO_STATUSES,
  type VideoEvent,
  type VideoJob,
} from '@ytempire/contract'
import { and, desc, eq, gte, inArray, lt, notInArray, type SQL, sql } from 'drizzle-orm'
import { sha256Hex } from '../../crypto/hash'
import { costLedger, type StageState, users, videoEvents, videoPublications, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, type FieldError, notFound, Problem, unprocessable } from '../../http/problem'
import { findOwned } from '../auth/ownership'
import type { Principal } from '../auth/principal'
import { planLimit, videosInLastDay } from '../billing/entitlements'
import type { ChannelService } from '../channels/service'
import type { PublicationService, PublishChoice } from '../youtube/publications'
import { publicationView } from '../youtube/views'
import { applyEvent, isTerminal } from './apply-event'
import type { CreateVideo } from './model'
import { PlainScriptError, scriptFromText } from './plain-script'

type VideoRow = typeof videos.$inferSelect
type PublicationRow = typeof videoPublications.$inferSelect
type ScriptScenes = Exclude<NonNullable<VideoRequest['script']>, string>
type ChannelRow = Awaited<ReturnType<ChannelService['get']>>
export type VideoRequest = typeof CreateVideo.static & {
  /** Autopilot: with the channel's niche as the topic, titles the LLM must not reuse. */
  avoidTitles?: string[]
  /** Autopilot: the slot the video is for, and the backlog item it came from. */
  autopilot?: { slotAt: string; backlogItemId?: string }
}

/** Videos are asked for in scripts of about a minute unless the request says otherwise. */
const DEFAULT_TARGET_SECONDS = 60
/** How long a client should wait before submitting again when the queue is unreachable. */
const QUEUE_DOWN_RETRY_AFTER_S = 30

export function videoView(v: VideoRow, publication?: PublicationRow | null) {
  const base = `/v1/videos/${v.id}`
  return {
    id: v.id,
    channelId: v.channelId,
    status: v.status,
    stage: v.stage,
    progress: v.progress,
    stages: v.stages,
    error: v.error,
    title: v.title,
    description: v.description,
    tags: v.tags,
    durationS: v.durationS,
    width: v.width,
    height: v.height,
    fileBytes: v.videoBytes,
    encoder: v.encoder,
    stageDurationsMs: v.stageDurationsMs,
    createdAt: v.createdAt.toISOString(),
    startedAt: v.startedAt?.toISOString() ?? null,
    finishedAt: v.finishedAt?.toISOString() ?? null,
    youtube: publication ? publicationView(publication) : null,
    links: {
      self: base,
      events: `${base}/events`,
      file: v.videoKey ? `${base}/file` : null,
      thumbnail: v.thumbnailKey ? `${base}/thumbnail` : null,
      cost: `${base}/cost`,
    },
  }
}
export type VideoView = ReturnType<typeof videoView>
export { isTerminal }

/** A plain-text script becomes scenes here, once, so the stored request and the job carry the same scenes. */
function withScenes(body: VideoRequest, at = ''): { body: VideoRequest & { script?: ScriptScenes }; errors: FieldError[] } {
  if (typeof body.script !== 'string') return { body: body as VideoRequest & { script?: ScriptScenes }, errors: [] }
  try {
    return { body: { ...body, script: scriptFromText(body.script, { title: body.title }) }, errors: [] }
  } catch (err) {
    if (!(err instanceof PlainScriptError)) throw err
    return { body: { ...body, script: undefined }, errors: [{ field: `${at}script`, message: err.message }] }
  }
}

export interface VideoHooks {
  /** Called once when a video completes or fails, after the change is committed. */
  finished?(video: VideoRow): Promise<void>
}

export function createVideoService(deps: Deps, channels: ChannelService, publications: PublicationService, hooks: VideoHooks = {}) {
  const db = deps.database.db

  async function publicationOf(videoId: string): Promise<PublicationRow | undefined> {
    const [p] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, videoId))
    return p
  }

  function checkRequest(userId: string, body: VideoRequest, at = ''): FieldError[] {
    const errors: FieldError[] = []
    if (!body.topic && !body.script)
      errors.push({ field: `${at}topic`, message: 'send a topic (the script is written for you) or a full script' })
    if (body.topic && body.script) errors.push({ field: `${at}script`, message: 'send either a topic or a script, not both' })
    if (body.topic && !body.script && !deps.config.scriptLlmConfigured) {
      errors.push({
        field: `${at}topic`,
        message: 'no LLM is configured on this installation (OPENAI_API_KEY / OPENAI_BASE_URL): send the script instead',
      })
    }
    const ownKey = (ref: string) => ref.startsWith(`uploads/${userId}/`) && !ref.split('/').some((s) => s === '..' || s === '.' || s === '')
    const isUrl = (ref: string) => {
      try {
        return ['http:', 'https:'].includes(new URL(ref).protocol)
      } catch {
        return false
      }
    }
    body.media?.forEach((m, i) => {
      if (!isUrl(m) && !ownKey(m))
        errors.push({ field: `${at}media.${i}`, message: `must be an http(s) URL or one of your keys under uploads/${userId}/` })
    })
    if (body.music && !isUrl(body.music) && !ownKey(body.music))
      errors.push({ field: `${at}music`, message: `must be an http(s) URL or one of your keys under uploads/${userId}/` })
    return errors
  }

  function jobFor(userId: string, channel: ChannelRow, body: VideoRequest & { script?: ScriptScenes }, plan: Plan): VideoJob {
    return {
      videoId: crypto.randomUUID(),
      userId,
      channelId: channel.id,
      plan,
      topic: body.topic,
      script: body.script,
      targetSeconds: body.targetSeconds ?? DEFAULT_TARGET_SECONDS,
      language: channel.language,
      voice: body.voice ?? channel.defaultVoice,
      visualSource: body.visualSource ?? channel.visualSource,
      media: body.media,
      captionStyle: body.captionStyle ?? channel.captionStyle,
      aspect: channel.aspect,
      music: body.music,
      title: body.title,
      avoidTitles: body.avoidTitles,
    }
  }

  async function enqueue(row: VideoRow, job: VideoJob) {
    try {
      await deps.pipeline.dispatch(job)
    } catch (err) {
      deps.log.error({ err, videoId: row.id }, 'could not enqueue video')
      await db
        .update(videos)
        .set({ status: 'failed', error: 'The queue was unreachable; nothing was rendered. Submit again.', finishedAt: new Date() })
        .where(eq(videos.id, row.id))
      throw new Problem(
        503,
        'Service Unavailable',
        'The render queue is unreachable right now; the video was not queued. Try again shortly.',
        { headers: { 'retry-after': String(QUEUE_DOWN_RETRY_AFTER_S) } },
      )
    }
  }

  /**
   * Records the videos, each under its job's id with a pending entry for each stage it goes through, when
   * the plan allows them (the day's count, the length, a running channel). The user's row is locked so
   * concurrent submissions are counted one after another. Answers the earlier video when the
   * Idempotency-Key was seen before.
   */
  async function record(
    userId: string,
    channel: ChannelRow,
    bodies: (VideoRequest & { script?: ScriptScenes })[],
    idem?: { key: string; hash: string },
    publish: { settings?: PublishChoice; requestedBy: 'api' | 'autopilot' }[] = [],
  ): Promise<{ rows: VideoRow[]; jobs: VideoJob[]; publications: (PublicationRow | undefined)[] } | { replay: VideoRow }> {
    const size = ASPECT_SIZE[channel.aspect]
    return db.transaction(async (tx) => {
      const [owner] = await tx.select({ plan: users.plan }).from(users).where(eq(users.id, userId)).for('update')
      const plan = owner?.plan ?? 'free'
      if (idem) {
        const [existing] = await tx
          .select()
          .from(videos)
          .where(and(eq(videos.userId, userId), eq(videos.idempotencyKey, idem.key)))
        if (existing) return { replay: existing }
      }
      const allowed = deps.config.plans[plan]
      if (channel.paused)
        throw planLimit('channels', plan, allowed.channels, 'This channel is paused because your plan has fewer channels than you own')
      bodies.forEach((b, i) => {
        const seconds = b.targetSeconds ?? DEFAULT_TARGET_SECONDS
        if (seconds > allowed.maxVideoSeconds)
          throw planLimit(
            'maxVideoSeconds',
            plan,
            allowed.maxVideoSeconds,
            `targetSeconds ${seconds} is longer than your plan allows`,
            bodies.length > 1 ? `videos.${i}.targetSeconds` : 'targetSeconds',
          )
      })
      const used = await videosInLastDay(tx, userId)
      if (used + bodies.length > allowed.videosPerDay)
        throw planLimit(
          'videosPerDay',
          plan,
          allowed.videosPerDay,
          `You asked for ${used} videos in the last 24 hours${bodies.length > 1 ? ` and this batch adds ${bodies.length}` : ''}`,
        )
      const jobs = bodies.map((body) => jobFor(userId, channel, body, plan))
      // The grant goes into the job now: the publish stage is in the video's pipeline only when the job asks for it.
      const grants = jobs.map((job, i) => {
        if (!publish[i]?.settings) return undefined
        const grant = publications.newGrant()
        job.publish = { grant: grant.grant }
        return grant
      })
      const rows = await tx
        .insert(videos)
        .values(
          jobs.map((job, i) => ({
            id: job.videoId,
            userId,
            channelId: channel.id,
            request: bodies[i] as Record<string, unknown>,
            stages: Object.fromEntries(PIPELINE.stagesFor(job).map((s) => [s, { status: 'pending', percent: 0 } satisfies StageState])),
            title: bodies[i]!.title ?? bodies[i]!.script?.title ?? null,
            width: size.width,
            height: size.height,
            idempotencyKey: idem?.key,
            requestHash: idem?.hash,
          })),
        )
        .returning()
      const opened: (PublicationRow | undefined)[] = []
      for (const [i, row] of rows.entries()) {
        const settings = publish[i]?.settings
        opened.push(settings ? await publications.open(row, settings, publish[i]!.requestedBy, grants[i]!, tx) : undefined)
      }
      return { rows, jobs, publications: opened }
    })
  }

  return {
    async submit(
      principal: Principal,
      channelId: string,
      request: VideoRequest,
      idempotencyKey?: string,
      opts: { requestedBy?: 'api' | 'autopilot' } = {},
    ): Promise<{ video: VideoView; replayed: boolean }> {
      const channel = await channels.get(principal.userId, channelId)
      const { body, errors: scriptErrors } = withScenes(request)
      const errors = [...scriptErrors, ...checkRequest(principal.userId, request)]
      if (errors.length) throw unprocessable(`Invalid video request: ${errors.map((e) => e.field).join(', ')}`, errors)
      const settings = body.publish ? await publications.check(channel, body.publish) : undefined
      const idem = idempotencyKey ? { key: idempotencyKey, hash: sha256Hex(JSON.stringify([channelId, body])) } : undefined
      const recorded = await record(principal.userId, channel, [body], idem, [{ settings, requestedBy: opts.requestedBy ?? 'api' }])
      if ('replay' in recorded) {
        // The Idempotency-Key was seen before: answer with what it created, if the request is the same.
        if (recorded.replay.requestHash !== idem!.hash)
          throw unprocessable('This Idempotency-Key was used with a different request', [
            { field: 'Idempotency-Key', message: 'reused with a different body or channel' },
          ])
        return { video: videoView(recorded.replay, await publicationOf(recorded.replay.id)), replayed: true }
      }
      const row = recorded.rows[0]!
      await enqueue(row, recorded.jobs[0]!)
      return { video: videoView(row, recorded.publications[0]), replayed: false }
    },

    async submitBatch(principal: Principal, channelId: string, requests: VideoRequest[]) {
      const channel = await channels.get(principal.userId, channelId)
      const normalized = requests.map((r, i) => withScenes(r, `videos.${i}.`))
      const bodies = normalized.map((n) => n.body)
      const errors = requests.flatMap((b, i) => [...normalized[i]!.errors, ...checkRequest(principal.userId, b, `videos.${i}.`)])
      // All or nothing: one bad item refuses the batch, naming it, before anything is queued.
      if (errors.length) throw unprocessable(`Invalid videos in the batch: ${errors.map((e) => e.field).join(', ')}`, errors)
      const publish = []
      for (const [i, b] of bodies.entries())
        publish.push({
          settings: b.publish ? await publications.check(channel, b.publish, `videos.${i}.publish`) : undefined,
          requestedBy: 'api' as const,
        })
      const recorded = await record(principal.userId, channel, bodies, undefined, publish)
      if ('replay' in recorded) throw new Error('a batch has no Idempotency-Key')
      const out: VideoView[] = []
      for (const [i, row] of recorded.rows.entries()) {
        await enqueue(row, recorded.jobs[i]!)
        out.push(videoView(row, recorded.publications[i]))
      }
      return out
    },

    get: (userId: string, id: string): Promise<VideoRow> => findOwned(db, videos, id, userId, 'Video'),

    /** The owner's video with its publication, as the API shows it. */
    async view(userId: string, id: string): Promise<VideoView> {
      return videoView(await findOwned(db, videos, id, userId, 'Video'), await publicationOf(id))
    },

    /** The video job a finished video was made from, for a publish job of its own (the grant comes with it). */
    async jobOf(row: VideoRow, grant: string): Promise<VideoJob> {
      const channel = await channels.get(row.userId, row.channelId)
      const [owner] = await db.select({ plan: users.plan }).from(users).where(eq(users.id, row.userId))
      return {
        ...jobFor(row.userId, channel, row.request as VideoRequest & { script?: ScriptScenes }, owner?.plan ?? 'free'),
        videoId: row.id,
        publish: { grant },
      }
    },

    async list(userId: string, q: { channelId?: string; status?: VideoRow['status']; limit?: number; cursor?: string }) {
      const limit = q.limit ?? 20
      const where: SQL[] = [eq(videos.userId, userId)]
      if (q.channelId) where.push(eq(videos.channelId, q.channelId))
      if (q.status) where.push(eq(videos.status, q.status))
      if (q.cursor) {
        // Compared in the database, at its full (microsecond) precision: videos made in the same millisecond keep their order.
        const after = decodeCursor(q.cursor)
        where.push(sql`(${videos.createdAt}, ${videos.id}) < (select v.created_at, v.id from ${videos} v where v.id = ${after})`)
      }
      const rows = await db
        .select()
        .from(videos)
        .where(and(...where))
        .orderBy(desc(videos.createdAt), desc(videos.id))
        .limit(limit + 1)
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      const pubs = page.length
        ? await db
            .select()
            .from(videoPublications)
            .where(
              inArray(
                videoPublications.videoId,
                page.map((v) => v.id),
              ),
            )
        : []
      return {
        items: page.map((v) =>
          videoView(
            v,
            pubs.find((p) => p.videoId === v.id),
          ),
        ),
        nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null,
      }
    },

    async cancel(userId: string, id: string) {
      const row = await this.get(userId, id)
      if (isTerminal(row.status)) throw conflict(`The video is already ${row.status}`)
      await deps.pipeline.cancel(id)
      // Final at once: any later worker report for this video is recorded but changes nothing.
      const [updated] = await db
        .update(videos)
        .set({ status: 'cancelled', error: 'cancelled by the operator', finishedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(videos.id, id), notInArray(videos.status, [...TERMINAL_VIDEO_STATUSES])))
        .returning()
      await publications.failed(id, 'cancelled by the operator')
      const view = videoView(updated ?? (await this.get(userId, id)), await publicationOf(id))
      await deps.videoUpdates.publish(id, view)
      return view
    },

    /**
     * Runs a dead-lettered video again. The row goes back to queued first, so the reports of the new
     * run are not ignored as coming after a final state.
     */
    async redrive(deadLetterId: string): Promise<VideoView> {
      const entry = await deps.pipeline.deadLetters.get(deadLetterId)
      if (!entry) throw notFound('Dead letter')
      const [row] = await db
        .update(videos)
        .set({ status: 'queued', error: null, deadLetterJobId: null, finishedAt: null, updatedAt: new Date() })
        .where(eq(videos.id, entry.videoId))
        .returning()
      if (!row) throw notFound('Video')
      await deps.pipeline.deadLetters.redrive(deadLetterId)
      const view = videoView(row, await publicationOf(row.id))
      await deps.videoUpdates.publish(row.id, view)
      return view
    },

    /** Applies one worker report (rules: apply-event.ts). Idempotent: an event is recorded once, by its key. */
    async recordEvent(event: VideoEvent, eventKey: string): Promise<VideoRow | undefined> {
      const updated = await db.transaction(async (tx) => {
        const [v] = await tx.select().from(videos).where(eq(videos.id, event.videoId)).for('update')
        if (!v) return undefined
        const { videoId: _v, type, at, ...data } = event
        const fresh = await tx
          .insert(videoEvents)
          .values({ videoId: v.id, eventKey, type, stage: 'stage' in event ? event.stage : null, data, at: new Date(at) })
          .onConflictDoNothing()
          .returning({ id: videoEvents.id })
        if (fresh.length === 0) return undefined
        if (event.type === 'cost')
          await tx
            .insert(costLedger)
            .values(event.items.map((c: CostItem) => ({ userId: v.userId, videoId: v.id, eventKey, ...c })))
            .onConflictDoNothing()
        const patch = applyEvent(v, event)
        if (!patch) return undefined
        if (event.type === 'cost') {
          // Bookkeeping only: nothing a viewer of the video sees changes.
          await tx.update(videos).set(patch).where(eq(videos.id, v.id))
          return undefined
        }
        const [row] = await tx
          .update(videos)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(videos.id, v.id))
          .returning()
        return row
      })
      // The publish stage failed for good (its last attempt): the publication says so too.
      if (event.type === 'video.failed' && event.stage === 'publish') await publications.failed(event.videoId, event.reason)
      if (updated) await deps.videoUpdates.publish(updated.id, videoView(updated, await publicationOf(updated.id)))
      // Only a fresh report moves a video into a final state, so this runs once per video. A failure here is
      // logged, not retried: the report itself is recorded.
      if (updated && (updated.status === 'completed' || updated.status === 'failed'))
        await hooks.finished?.(updated).catch((err) => deps.log.error({ err, videoId: updated.id }, 'after-finish hook failed'))
      return updated
    },

    async costOf(userId: string, id: string) {
      await this.get(userId, id)
      const items = await db
        .select()
        .from(costLedger)
        .where(and(eq(costLedger.videoId, id), eq(costLedger.userId, userId)))
        .orderBy(costLedger.id)
      const byStage: Record<string, number> = {}
      let total = 0
      for (const i of items) {
        byStage[i.stage] = (byStage[i.stage] ?? 0) + i.amountUsd
        total += i.amountUsd
      }
      return {
        videoId: id,
        totalUsd: round(total),
        byStage: Object.fromEntries(Object.entries(byStage).map(([k, v]) => [k, round(v)])),
        items: items.map((i) => ({
          stage: i.stage,
          kind: i.kind,
          item: i.item,
          quantity: i.quantity,
          unit: i.unit,
          unitPriceUsd: i.unitPriceUsd,
          amountUsd: i.amountUsd,
        })),
      }
    },

    async monthlyCost(userId: string, month: string) {
      const start = new Date(`${month}-01T00:00:00Z`)
      if (Number.isNaN(start.getTime())) throw unprocessable('Invalid month', [{ field: 'month', message: 'YYYY-MM' }])
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1))
      const rows = await db
        .select({
          kind: costLedger.kind,
          amount: sql<string>`sum(${costLedger.amountUsd})`,
          videos: sql<number>`count(distinct ${costLedger.videoId})::int`,
        })
        .from(costLedger)
        .where(and(eq(costLedger.userId, userId), gte(costLedger.createdAt, start), lt(costLedger.createdAt, end)))
        .groupBy(costLedger.kind)
      const byKind = Object.fromEntries(rows.map((r) => [r.kind, round(Number(r.amount))]))
      const [all] = await db
        .select({ n: sql<number>`count(distinct ${costLedger.videoId})::int` })
        .from(costLedger)
        .where(and(eq(costLedger.userId, userId), gte(costLedger.createdAt, start), lt(costLedger.createdAt, end)))
      return { month, totalUsd: round(Object.values(byKind).reduce((a, b) => a + b, 0)), byKind, videos: all?.n ?? 0 }
    },
  }
}
export type VideoService = ReturnType<typeof createVideoService>

const round = (n: number) => Math.round(n * 1e6) / 1e6

/** A page cursor is the id of the last video shown, base64url. */
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString()
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return id
  throw unprocessable('Invalid cursor', [{ field: 'cursor', message: 'use nextCursor from the previous page' }])
}
