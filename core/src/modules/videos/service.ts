import {
  ASPECT_SIZE,
  type CostItem,
  cancelVideo,
  dispatchVideo,
  type Plan,
  type Stage,
  type VideoEvent,
  type VideoJob,
} from '@ytempire/render/contract'
import { and, desc, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm'
import { sha256Hex } from '../../crypto/hash'
import { costLedger, type StageState, users, videoEvents, videoPublications, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, type FieldError, notFound, Problem, unprocessable } from '../../http/problem'
import type { Principal } from '../auth/principal'
import type { ChannelService } from '../channels/service'
import type { PublicationService, PublishInput } from '../youtube/publications'
import { publicationView } from '../youtube/views'

type VideoRow = typeof videos.$inferSelect
type PublicationRow = typeof videoPublications.$inferSelect
export type VideoRequest = {
  topic?: string
  script?: { title: string; description: string; tags: string[]; scenes: { narration: string; keywords: string[] }[] }
  targetSeconds?: number
  voice?: { provider?: 'espeak' | 'openai' | 'elevenlabs'; voiceId?: string }
  visualSource?: 'generated' | 'pexels' | 'pixabay' | 'uploads'
  media?: string[]
  captionStyle?: 'highlight' | 'plain' | 'none'
  music?: string
  title?: string
  /** Upload to the channel's YouTube channel once rendered. */
  publish?: PublishInput
  /** Autopilot: with the niche as topic, titles the LLM must not reuse. */
  avoidTitles?: string[]
  /** Autopilot: the slot this video is for, and the backlog item it came from. */
  autopilot?: { slotAt: string; backlogItemId?: string }
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled'])
// Share of the whole pipeline each stage stands for, for one overall progress figure.
const STAGE_WEIGHT: Record<Stage, number> = { script: 10, voice: 15, visuals: 15, render: 50, thumbnail: 10 }
const STAGE_ORDER: Record<Stage, number> = { script: 0, voice: 1, visuals: 1, render: 2, thumbnail: 3 }

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
export const isTerminal = (status: string) => TERMINAL.has(status)

export function createVideoService(deps: Deps, channels: ChannelService, publications: PublicationService) {
  const db = deps.database.db
  const prefix = deps.config.queuePrefix

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

  async function publicationOf(videoId: string): Promise<PublicationRow | undefined> {
    const [p] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, videoId))
    return p
  }

  async function planOf(userId: string): Promise<Plan> {
    const [u] = await db.select({ plan: users.plan }).from(users).where(eq(users.id, userId))
    return u?.plan ?? 'free'
  }

  function jobFor(
    row: VideoRow,
    channel: Awaited<ReturnType<ChannelService['get']>>,
    body: VideoRequest,
    plan: Plan,
    publishGrant?: string,
  ): VideoJob {
    return {
      videoId: row.id,
      userId: row.userId,
      channelId: channel.id,
      plan,
      topic: body.topic,
      script: body.script,
      targetSeconds: body.targetSeconds ?? 60,
      language: channel.language,
      voice: body.voice ?? channel.defaultVoice,
      visualSource: body.visualSource ?? channel.visualSource,
      media: body.media,
      captionStyle: body.captionStyle ?? channel.captionStyle,
      aspect: channel.aspect,
      music: body.music,
      title: body.title,
      avoidTitles: body.avoidTitles,
      publish: publishGrant ? { grant: publishGrant } : undefined,
    }
  }

  async function enqueue(row: VideoRow, job: VideoJob) {
    try {
      await dispatchVideo(deps.queue, job, { prefix })
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
        { headers: { 'retry-after': '30' } },
      )
    }
  }

  async function record(
    userId: string,
    channelId: string,
    body: VideoRequest,
    size: { width: number; height: number },
    idem?: { key: string; hash: string },
  ) {
    const stages = Object.fromEntries(Object.keys(STAGE_WEIGHT).map((s) => [s, { status: 'pending', percent: 0 } satisfies StageState]))
    const rows = await db
      .insert(videos)
      .values({
        userId,
        channelId,
        request: body as Record<string, unknown>,
        stages,
        title: body.title ?? body.script?.title ?? null,
        width: size.width,
        height: size.height,
        idempotencyKey: idem?.key,
        requestHash: idem?.hash,
      })
      .onConflictDoNothing()
      .returning()
    return rows[0]
  }

  return {
    async submit(
      principal: Principal,
      channelId: string,
      body: VideoRequest,
      idempotencyKey?: string,
      opts: { requestedBy?: 'api' | 'autopilot' } = {},
    ): Promise<{ video: VideoView; replayed: boolean }> {
      const channel = await channels.get(principal.userId, channelId)
      const errors = checkRequest(principal.userId, body)
      if (errors.length) throw unprocessable(`Invalid video request: ${errors.map((e) => e.field).join(', ')}`, errors)
      const publish = body.publish ? await publications.check(channel, body.publish) : undefined
      const idem = idempotencyKey ? { key: idempotencyKey, hash: sha256Hex(JSON.stringify([channelId, body])) } : undefined
      const row = await record(principal.userId, channelId, body, ASPECT_SIZE[channel.aspect], idem)
      if (!row) {
        // The Idempotency-Key was seen before: answer with what it created, if the request is the same.
        const [existing] = await db
          .select()
          .from(videos)
          .where(and(eq(videos.userId, principal.userId), eq(videos.idempotencyKey, idem!.key)))
        if (!existing) throw conflict('A request with this Idempotency-Key is still being processed; retry shortly')
        if (existing.requestHash !== idem!.hash)
          throw unprocessable('This Idempotency-Key was used with a different request', [
            { field: 'Idempotency-Key', message: 'reused with a different body or channel' },
          ])
        return { video: videoView(existing, await publicationOf(existing.id)), replayed: true }
      }
      const opened = publish ? await publications.open(row, publish, opts.requestedBy ?? 'api') : undefined
      await enqueue(row, jobFor(row, channel, body, await planOf(principal.userId), opened?.grant))
      return { video: videoView(row, opened?.row), replayed: false }
    },

    async submitBatch(principal: Principal, channelId: string, bodies: VideoRequest[]) {
      const channel = await channels.get(principal.userId, channelId)
      const errors = bodies.flatMap((b, i) => checkRequest(principal.userId, b, `videos.${i}.`))
      // All or nothing: one bad item refuses the batch, naming it, before anything is queued.
      if (errors.length) throw unprocessable(`Invalid videos in the batch: ${errors.map((e) => e.field).join(', ')}`, errors)
      const publish = []
      for (const [i, b] of bodies.entries())
        publish.push(b.publish ? await publications.check(channel, b.publish, `videos.${i}.publish`) : undefined)
      const plan = await planOf(principal.userId)
      const out: VideoView[] = []
      for (const [i, body] of bodies.entries()) {
        const row = (await record(principal.userId, channelId, body, ASPECT_SIZE[channel.aspect]))!
        const settings = publish[i]
        const opened = settings ? await publications.open(row, settings, 'api') : undefined
        await enqueue(row, jobFor(row, channel, body, plan, opened?.grant))
        out.push(videoView(row, opened?.row))
      }
      return out
    },

    async get(userId: string, id: string): Promise<VideoRow> {
      const [row] = await db
        .select()
        .from(videos)
        .where(and(eq(videos.id, id), eq(videos.userId, userId)))
      if (!row) throw notFound('Video')
      return row
    },

    /** The owner's video with its publication, as the API shows it. */
    async view(userId: string, id: string): Promise<VideoView> {
      const row = await this.get(userId, id)
      return videoView(row, await publicationOf(id))
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
      await cancelVideo(deps.queue, id, { prefix })
      // Final at once: any later worker report for this video is recorded but changes nothing.
      const [updated] = await db
        .update(videos)
        .set({ status: 'cancelled', error: 'cancelled by the operator', finishedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(videos.id, id), sql`${videos.status} in ('queued','running')`))
        .returning()
      const view = videoView(updated ?? (await this.get(userId, id)), await publicationOf(id))
      await deps.videoUpdates.publish(id, view)
      return view
    },

    /** Applies one worker report. Idempotent (an event is recorded once) and monotonic (a finished video stays finished). */
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
        if (event.type === 'cost') {
          await tx
            .insert(costLedger)
            .values(event.items.map((c: CostItem) => ({ userId: v.userId, videoId: v.id, eventKey, ...c })))
            .onConflictDoNothing()
          const render = event.items.find((c) => c.kind === 'render_seconds' && c.stage === 'render')
          if (render && !v.encoder)
            await tx
              .update(videos)
              .set({ encoder: render.item.split(':')[0] })
              .where(eq(videos.id, v.id))
          return undefined
        }
        if (isTerminal(v.status)) return undefined
        const stages = structuredClone(v.stages)
        // Reports can arrive out of order (several consumers). Any stage report means the video is running and
        // has reached at least that stage; within a stage an older report never overrides a newer one.
        const when = new Date(at).getTime()
        const patch: Partial<VideoRow> = { updatedAt: new Date() }
        const stageEvent =
          event.type === 'stage.started' ||
          event.type === 'stage.progress' ||
          event.type === 'stage.completed' ||
          event.type === 'stage.failed'
            ? event
            : undefined
        if (stageEvent) {
          Object.assign(patch, {
            status: 'running',
            stage: STAGE_ORDER[stageEvent.stage] >= (STAGE_ORDER[v.stage as Stage] ?? 0) ? stageEvent.stage : v.stage,
            startedAt: v.startedAt ?? new Date(at),
          })
        }
        const stale = stageEvent !== undefined && (stages[stageEvent.stage]?.at ?? 0) > when
        if (!stale)
          switch (event.type) {
            case 'stage.started':
              stages[event.stage] = { status: 'running', percent: 0, attempt: event.attempt }
              break
            case 'stage.progress':
              stages[event.stage] = {
                ...(stages[event.stage] ?? { status: 'running', percent: 0 }),
                percent: Math.max(stages[event.stage]?.percent ?? 0, Math.min(100, event.percent)),
              }
              break
            case 'stage.completed':
              stages[event.stage] = {
                ...(stages[event.stage] ?? { status: 'running', percent: 0 }),
                status: 'completed',
                percent: 100,
                durationMs: event.durationMs,
              }
              break
            case 'stage.failed':
              stages[event.stage] = {
                ...(stages[event.stage] ?? { status: 'running', percent: 0 }),
                status: event.willRetry ? 'pending' : 'failed',
              }
              patch.error = `${event.stage}: ${event.reason}${event.willRetry ? ' (retrying)' : ''}`
              break
            case 'video.completed':
              for (const s of Object.keys(STAGE_WEIGHT))
                stages[s] = { ...(stages[s] ?? { status: 'completed', percent: 100 }), status: 'completed', percent: 100 }
              Object.assign(patch, {
                status: 'completed',
                stage: 'thumbnail',
                error: null,
                title: event.title,
                description: event.description,
                tags: event.tags,
                durationS: event.durationS,
                videoKey: event.video.key,
                videoBytes: event.video.size,
                thumbnailKey: event.thumbnail.key,
                stageDurationsMs: event.stageDurationsMs as Record<string, number>,
                finishedAt: new Date(at),
              })
              if ('encoder' in event && typeof event.encoder === 'string') patch.encoder = event.encoder
              break
            case 'video.failed':
              stages[event.stage] = { ...(stages[event.stage] ?? { status: 'failed', percent: 0 }), status: 'failed' }
              Object.assign(patch, {
                status: 'failed',
                stage: event.stage,
                error: `${event.stage} failed after ${event.attempts} attempt(s): ${event.reason}`,
                deadLetterJobId: event.deadLetterJobId,
                finishedAt: new Date(at),
              })
              break
            case 'video.cancelled':
              Object.assign(patch, { status: 'cancelled', finishedAt: new Date(at) })
              break
          }
        if (stageEvent && !stale) stages[stageEvent.stage] = { ...stages[stageEvent.stage]!, at: when }
        patch.stages = stages
        patch.progress = Math.round(Object.entries(STAGE_WEIGHT).reduce((sum, [s, w]) => sum + (w * (stages[s]?.percent ?? 0)) / 100, 0))
        const [row] = await tx.update(videos).set(patch).where(eq(videos.id, v.id)).returning()
        return row
      })
      if (updated) await deps.videoUpdates.publish(updated.id, videoView(updated, await publicationOf(updated.id)))
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
