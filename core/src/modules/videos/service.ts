import {
  ASPECT_SIZE,
  type CostItem,
  PIPELINE,
  type Plan,
  TERMINAL_VIDEO_STATUSES,
  titleKey,
  uploadsPrefix,
  type VideoEvent,
  type VideoJob,
} from '@ytempire/contract'
import { and, desc, eq, gte, inArray, isNotNull, lt, ne, notInArray, type SQL, sql } from 'drizzle-orm'
import { sha256Hex } from '../../crypto/hash'
import type { Db } from '../../db'
import { costLedger, type StageState, unknownVideoReports, users, videoEvents, videoPublications, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, type FieldError, notFound, unprocessable } from '../../http/problem'
import { findOwned } from '../auth/ownership'
import type { Principal } from '../auth/principal'
import { planLimit, storageUsedBytes, videosInLastDay } from '../billing/entitlements'
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
    /** When its state last changed: a progress stream sends only what is newer than what it sent. */
    updatedAt: v.updatedAt.toISOString(),
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

/** Seals a publish grant while it waits in the outbox (the database keeps only the grant's hash otherwise). */
const grantContext = (videoId: string) => `publish-grant:${videoId}`

/**
 * Videos: asking for them (recorded, then dispatched through the outbox), their state from the
 * workers' reports, cancel and re-drive. When a video completes or fails, an outbox row
 * (`video.finished`) is written in the same transaction; the composition root (app.ts) says what
 * follows (meter, webhooks). The sweeper (sweeper.ts) settles videos whose job is gone.
 */
export function createVideoService(deps: Deps, channels: ChannelService, publications: PublicationService) {
  const db = deps.database.db

  /** Every title the channel has used, as compared (the autopilot's script may repeat none of them). */
  async function takenTitleKeys(row: VideoRow): Promise<string[]> {
    const earlier = await db
      .selectDistinct({ title: videos.title })
      .from(videos)
      .where(and(eq(videos.channelId, row.channelId), ne(videos.id, row.id), isNotNull(videos.title)))
    return [...new Set(earlier.map((v) => titleKey(v.title!)))]
  }

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
    const ownKey = (ref: string) =>
      ref.startsWith(uploadsPrefix(userId)) && !ref.split('/').some((s) => s === '..' || s === '.' || s === '')
    const isUrl = (ref: string) => {
      try {
        return ['http:', 'https:'].includes(new URL(ref).protocol)
      } catch {
        return false
      }
    }
    body.media?.forEach((m, i) => {
      if (!isUrl(m) && !ownKey(m))
        errors.push({ field: `${at}media.${i}`, message: `must be an http(s) URL or one of your keys under ${uploadsPrefix(userId)}` })
    })
    if (body.music && !isUrl(body.music) && !ownKey(body.music))
      errors.push({ field: `${at}music`, message: `must be an http(s) URL or one of your keys under ${uploadsPrefix(userId)}` })
    return errors
  }

  function jobFor(userId: string, channel: ChannelRow, body: VideoRequest & { script?: ScriptScenes }, plan: Plan): VideoJob {
    const { maxVideoSeconds, narrationChars, mediaBytes } = deps.config.plans[plan]
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
      limits: { maxVideoSeconds, narrationChars, mediaBytes },
    }
  }

  /**
   * Records the videos, each under its job's id with a pending entry for each stage it goes through, when
   * the plan allows them (the day's count, the length, narration, media, storage, a running channel), and
   * in the same transaction the outbox rows that dispatch them: a crash or a Redis outage after the commit
   * leaves the dispatch to the relay, never a video queued with no job. The user's row is locked so
   * concurrent submissions are counted one after another. Answers the earlier video when the
   * Idempotency-Key was seen before.
   */
  async function record(
    userId: string,
    channel: ChannelRow,
    bodies: (VideoRequest & { script?: ScriptScenes })[],
    idem?: { key: string; hash: string },
    publish: { settings?: PublishChoice; requestedBy: 'api' | 'autopilot' }[] = [],
  ): Promise<{ rows: VideoRow[]; dispatches: number[]; publications: (PublicationRow | undefined)[] } | { replay: VideoRow }> {
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
        const at = bodies.length > 1 ? `videos.${i}.` : ''
        const seconds = b.targetSeconds ?? DEFAULT_TARGET_SECONDS
        if (seconds > allowed.maxVideoSeconds)
          throw planLimit(
            'maxVideoSeconds',
            plan,
            allowed.maxVideoSeconds,
            `targetSeconds ${seconds} is longer than your plan allows`,
            `${at}targetSeconds`,
          )
        const chars = b.script?.scenes.reduce((n, scene) => n + scene.narration.length, 0) ?? 0
        if (chars > allowed.narrationChars)
          throw planLimit('narrationChars', plan, allowed.narrationChars, `The narration has ${chars} characters`, `${at}script.scenes`)
        const media = b.media?.length ?? 0
        if (media > allowed.mediaItems)
          throw planLimit('mediaItems', plan, allowed.mediaItems, `The video names ${media} media`, `${at}media`)
      })
      // A video stores files (voice, scenes, the MP4): none is started once the account's storage is full.
      const stored = await storageUsedBytes(tx, userId)
      if (stored >= allowed.storageBytes)
        throw planLimit('storageBytes', plan, allowed.storageBytes, `You store ${stored} bytes; delete videos or uploads to make room`)
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
            // Without the publish grant: only the job carries it (the database keeps its hash).
            job: { ...job, publish: undefined },
            idempotencyKey: idem?.key,
            requestHash: idem?.hash,
          })),
        )
        .returning()
      const opened: (PublicationRow | undefined)[] = []
      const dispatches: number[] = []
      for (const [i, row] of rows.entries()) {
        const settings = publish[i]?.settings
        opened.push(settings ? await publications.open(row, settings, publish[i]!.requestedBy, grants[i]!, tx) : undefined)
        const grant = grants[i] ? await deps.box.seal(grants[i]!.grant, grantContext(row.id)) : undefined
        dispatches.push(await deps.outbox.add(tx, 'video.dispatch', { videoId: row.id, ...(grant ? { grant } : {}) }))
      }
      return { rows, dispatches, publications: opened }
    })
  }

  /** Keeps a report about a video we do not know, without the words it may carry (titles, descriptions). */
  async function keepUnknown(tx: Db, event: VideoEvent, eventKey: string) {
    const { videoId, id: _id, type, at, ...data } = event
    for (const words of ['title', 'description', 'tags', 'reason'] as const) delete (data as Record<string, unknown>)[words]
    const kept = await tx
      .insert(unknownVideoReports)
      .values({ eventKey, videoId, type, stage: 'stage' in event ? event.stage : null, data, at: new Date(at) })
      .onConflictDoNothing()
      .returning({ id: unknownVideoReports.id })
    if (kept.length === 0) return
    deps.metrics.unknownVideoReports.inc()
    deps.log.warn({ videoId, type, eventKey }, 'a worker reported about a video this installation does not know; kept for administrators')
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
        // The first request may have been answered before its dispatch went through: this one does it.
        await deps.outbox.flush(await deps.outbox.pending('video.dispatch', recorded.replay.id))
        return { video: videoView(recorded.replay, await publicationOf(recorded.replay.id)), replayed: true }
      }
      // Dispatched now if the queue answers; if not, the video is recorded and the outbox relay dispatches it.
      await deps.outbox.flush(recorded.dispatches)
      return { video: videoView(recorded.rows[0]!, recorded.publications[0]), replayed: false }
    },

    async submitBatch(principal: Principal, channelId: string, requests: VideoRequest[]) {
      const channel = await channels.get(principal.userId, channelId)
      const normalized = requests.map((r, i) => withScenes(r, `videos.${i}.`))
      const bodies = normalized.map((n) => n.body)
      const errors = requests.flatMap((b, i) => [...normalized[i]!.errors, ...checkRequest(principal.userId, b, `videos.${i}.`)])
      // All or nothing: one bad item refuses the batch, naming it, before anything is queued.
      if (errors.length) throw unprocessable(`Invalid videos in the batch: ${errors.map((e) => e.field).join(', ')}`, errors)
      // Each video is a video_generation request: the request itself was counted, the rest are counted here.
      await deps.limiter.take(
        'video_generation',
        principal.userId,
        bodies.length - 1,
        `a batch of ${bodies.length} videos counts as ${bodies.length}`,
      )
      const publish = []
      for (const [i, b] of bodies.entries())
        publish.push({
          settings: b.publish ? await publications.check(channel, b.publish, `videos.${i}.publish`) : undefined,
          requestedBy: 'api' as const,
        })
      const recorded = await record(principal.userId, channel, bodies, undefined, publish)
      if ('replay' in recorded) throw new Error('a batch has no Idempotency-Key')
      await deps.outbox.flush(recorded.dispatches)
      return recorded.rows.map((row, i) => videoView(row, recorded.publications[i]))
    },

    get: (userId: string, id: string): Promise<VideoRow> => findOwned(db, videos, id, userId, 'Video'),

    /** A video whoever owns it (the outbox and the sweeper act for the installation). */
    async find(id: string): Promise<VideoRow | undefined> {
      const [row] = await db.select().from(videos).where(eq(videos.id, id))
      return row
    },

    /** Whether the video asked to be published (its job needs a grant, which only a dispatch from its request holds). */
    hasPublication: async (videoId: string) => (await publicationOf(videoId)) !== undefined,

    /**
     * The outbox's dispatch: queues the video's job if it still waits for one, with the publish grant
     * sealed in the outbox row. Idempotent: the job id is the video's, and a video that started,
     * finished, was cancelled or erased is not queued again.
     */
    async dispatchQueued(videoId: string, sealedGrant?: string): Promise<void> {
      const row = await this.find(videoId)
      if (!row?.job || row.status !== 'queued') return
      const grant = sealedGrant ? await deps.box.open(sealedGrant, grantContext(videoId)) : undefined
      const job = row.job.avoidTitles ? { ...row.job, takenTitleKeys: await takenTitleKeys(row) } : row.job
      await deps.pipeline.dispatch(grant ? { ...job, publish: { grant } } : job)
    },

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

    /**
     * Applies one worker report (rules: apply-event.ts). Idempotent: a report is recorded once, by its
     * identity. A report for a video this installation does not know is kept for administrators.
     */
    async recordEvent(event: VideoEvent, queueKey: string): Promise<VideoRow | undefined> {
      // Only a report of an older worker has no identity of its own; its queue job's key stands in.
      const eventKey = event.id ?? queueKey
      const updated = await db.transaction(async (tx): Promise<{ row: VideoRow; finished?: number } | undefined> => {
        const [v] = await tx.select().from(videos).where(eq(videos.id, event.videoId)).for('update')
        const { videoId: _v, id: _id, type, at, ...data } = event
        const stage = 'stage' in event ? event.stage : null
        if (!v) {
          await keepUnknown(tx, event, eventKey)
          return undefined
        }
        const fresh = await tx
          .insert(videoEvents)
          .values({ videoId: v.id, eventKey, type, stage, data, at: new Date(at) })
          .onConflictDoNothing()
          .returning({ id: videoEvents.id })
        if (fresh.length === 0) return undefined
        if (event.type === 'cost' && event.items.length)
          await tx
            .insert(costLedger)
            .values(
              event.items.map((c: CostItem, i) => ({
                userId: v.userId,
                videoId: v.id,
                eventKey,
                // A line about one thing of the video (a stored file) is one charge however often it is reported.
                lineKey: c.ref ? `${v.id}|${c.kind}|${c.ref}` : `${eventKey}|${i}`,
                ...c,
              })),
            )
            .onConflictDoUpdate({
              target: costLedger.lineKey,
              set: {
                eventKey: sql`excluded.event_key`,
                quantity: sql`excluded.quantity`,
                unitPriceUsd: sql`excluded.unit_price_usd`,
                amountUsd: sql`excluded.amount_usd`,
              },
            })
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
        // Only a fresh report moves a video into a final state: what follows is written with it, done once it is committed.
        const finished =
          row && !isTerminal(v.status) && (row.status === 'completed' || row.status === 'failed')
            ? await deps.outbox.add(tx, 'video.finished', { videoId: v.id })
            : undefined
        return row && { row, finished }
      })
      // The publish stage failed for good (its last attempt): the publication says so too.
      if (event.type === 'video.failed' && event.stage === 'publish') await publications.failed(event.videoId, event.reason)
      if (!updated) return undefined
      await deps.videoUpdates.publish(updated.row.id, videoView(updated.row, await publicationOf(updated.row.id)))
      if (updated.finished) await deps.outbox.flush([updated.finished])
      return updated.row
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
