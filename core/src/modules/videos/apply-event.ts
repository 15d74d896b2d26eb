// The rules that turn a worker's report into a video's new state. Pure: the row and the event in,
// the columns to change out (undefined: nothing changes); the service reads and writes the row.
import { PIPELINE, type StageEvent, TERMINAL_VIDEO_STATUSES, type VideoEvent, type VideoStatus } from '@ytempire/contract'
import type { StageState, videos } from '../../db/schema'

type VideoRow = typeof videos.$inferSelect
export type VideoState = Pick<VideoRow, 'status' | 'stage' | 'stages' | 'startedAt' | 'encoder'>
export type VideoPatch = Partial<
  Pick<
    VideoRow,
    | 'status'
    | 'stage'
    | 'progress'
    | 'stages'
    | 'error'
    | 'title'
    | 'description'
    | 'tags'
    | 'durationS'
    | 'videoKey'
    | 'videoBytes'
    | 'thumbnailKey'
    | 'encoder'
    | 'stageDurationsMs'
    | 'deadLetterJobId'
    | 'startedAt'
    | 'finishedAt'
  >
>

/** A video in one of these states never changes state again. */
export const isTerminal = (status: VideoStatus | string) => (TERMINAL_VIDEO_STATUSES as readonly string[]).includes(status)

const isStageEvent = (e: VideoEvent): e is StageEvent =>
  e.type === 'stage.started' || e.type === 'stage.progress' || e.type === 'stage.completed' || e.type === 'stage.failed'

/** The stages a video goes through: those it was recorded with (older rows: the whole pipeline). */
const stagesOf = (row: VideoState): string[] => (Object.keys(row.stages).length ? Object.keys(row.stages) : [...PIPELINE.stages])
const rankOf = (stage: string) => (PIPELINE.isStage(stage) ? PIPELINE.rank[stage] : 0)

/**
 * Reports may arrive twice, late or out of order (at-least-once queues, several consumers): a
 * finished video stays finished, any stage report means the video runs and has reached at least that
 * stage, and within a stage an older report never overrides a newer one.
 */
export function applyEvent(row: VideoState, event: VideoEvent): VideoPatch | undefined {
  if (event.type === 'cost') {
    // The encoder is known from the render's cost line, whatever state the video is in.
    const render = event.items.find((c) => c.kind === 'render_seconds' && c.stage === 'render')
    return render && !row.encoder ? { encoder: render.item.split(':')[0] } : undefined
  }
  if (isTerminal(row.status)) return undefined

  const stages = structuredClone(row.stages)
  const at = new Date(event.at)
  const patch: VideoPatch = {}
  const stageEvent = isStageEvent(event) ? event : undefined
  if (stageEvent) {
    patch.status = 'running'
    patch.stage = rankOf(stageEvent.stage) >= rankOf(row.stage) ? stageEvent.stage : row.stage
    patch.startedAt = row.startedAt ?? at
  }
  const stale = stageEvent !== undefined && (stages[stageEvent.stage]?.at ?? 0) > at.getTime()
  const current = (stage: string, fallback: StageState = { status: 'running', percent: 0 }) => stages[stage] ?? fallback
  if (!stale)
    switch (event.type) {
      case 'stage.started':
        stages[event.stage] = { status: 'running', percent: 0, attempt: event.attempt }
        break
      case 'stage.progress':
        stages[event.stage] = {
          ...current(event.stage),
          percent: Math.max(stages[event.stage]?.percent ?? 0, Math.min(100, event.percent)),
        }
        break
      case 'stage.completed':
        stages[event.stage] = { ...current(event.stage), status: 'completed', percent: 100, durationMs: event.durationMs }
        break
      case 'stage.failed':
        stages[event.stage] = { ...current(event.stage), status: event.willRetry ? 'pending' : 'failed' }
        patch.error = `${event.stage}: ${event.reason}${event.willRetry ? ' (retrying)' : ''}`
        break
      case 'video.completed': {
        const all = stagesOf(row)
        for (const s of all) stages[s] = { ...current(s, { status: 'completed', percent: 100 }), status: 'completed', percent: 100 }
        Object.assign(patch, {
          status: 'completed',
          stage: all.reduce((last, s) => (rankOf(s) >= rankOf(last) ? s : last)),
          error: null,
          title: event.title,
          description: event.description,
          tags: event.tags,
          durationS: event.durationS,
          videoKey: event.video.key,
          videoBytes: event.video.size,
          thumbnailKey: event.thumbnail.key,
          stageDurationsMs: event.stageDurationsMs as Record<string, number>,
          finishedAt: at,
        } satisfies VideoPatch)
        break
      }
      case 'video.failed':
        stages[event.stage] = { ...current(event.stage, { status: 'failed', percent: 0 }), status: 'failed' }
        Object.assign(patch, {
          status: 'failed',
          stage: event.stage,
          error: `${event.stage} failed after ${event.attempts} attempt(s): ${event.reason}`,
          deadLetterJobId: event.deadLetterJobId,
          finishedAt: at,
        } satisfies VideoPatch)
        break
      case 'video.cancelled':
        Object.assign(patch, { status: 'cancelled', finishedAt: at } satisfies VideoPatch)
        break
    }
  if (stageEvent && !stale) stages[stageEvent.stage] = { ...stages[stageEvent.stage]!, at: at.getTime() }
  patch.stages = stages
  patch.progress = PIPELINE.progress(Object.fromEntries(Object.entries(stages).map(([s, st]) => [s, st.percent])), stagesOf(row))
  return patch
}
