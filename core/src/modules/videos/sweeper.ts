// Settles every video whose job no longer exists, and says why. A video waits in `queued` or `running`
// for reports; when its jobs are gone (Redis lost them) or ended without a report (the worker died in
// its failure handler, a report was lost) no report will ever come. A queued video with no job is
// dispatched again; any other is failed with the reason, and dead-lettered so an operator can re-drive
// it. Nothing is settled while a report about it may still be on its way through the queue.
import { DEFAULT_RETRY, PIPELINE, type Stage, type VideoJob } from '@ytempire/contract'
import type { Job } from 'bullmq'
import { and, inArray, lt } from 'drizzle-orm'
import { videos } from '../../db/schema'
import type { Deps } from '../../deps'
import type { VideoService } from './service'

type VideoRow = typeof videos.$inferSelect

/** A job in one of these states will still report. */
const LIVE_STATES = new Set(['active', 'waiting', 'wait', 'delayed', 'prioritized', 'waiting-children', 'paused'])
/** A worker reports a stage's end within this long of BullMQ recording it. */
const REPORT_LAG_MS = 5_000
/** Videos looked at per sweep; the next sweep takes the rest. */
const BATCH = 200

export type SweepOutcome = 'redispatched' | 'failed-unreported' | 'completion-lost' | 'jobs-lost'

export interface Swept {
  videoId: string
  outcome: SweepOutcome
  reason: string
}

export function createVideoSweeper(deps: Deps, service: VideoService) {
  const db = deps.database.db
  const { graceMs } = deps.config.sweeper

  /** The video's stage jobs that BullMQ still holds, with their states. */
  async function jobsOf(v: VideoRow): Promise<{ job: Job; state: string }[]> {
    const stages = (Object.keys(v.stages).length ? Object.keys(v.stages) : PIPELINE.stages).filter(PIPELINE.isStage)
    const found: { job: Job; state: string }[] = []
    for (const stage of stages) {
      const job = await deps.pipeline.stageJob(v.id, stage)
      if (job) found.push({ job, state: await job.getState() })
    }
    return found
  }

  /** Records the failure as the worker would have, with a dead letter to re-drive from. */
  async function fail(
    v: VideoRow,
    stage: Stage,
    reason: string,
    attempts: number,
    deadLetter: { id: string; video?: VideoJob; why: string },
  ) {
    const now = new Date()
    let deadLetterJobId = ''
    if (deadLetter.video)
      deadLetterJobId = await deps.pipeline.deadLetters.add(
        { videoId: v.id, stage, reason: deadLetter.why, attempts, failedAt: now.toISOString(), video: deadLetter.video },
        deadLetter.id,
      )
    await service.recordEvent(
      {
        type: 'video.failed',
        id: `sweep.${deadLetter.id}`,
        videoId: v.id,
        at: now.toISOString(),
        stage,
        reason,
        attempts,
        deadLetterJobId,
      },
      `sweep.${deadLetter.id}`,
    )
  }

  async function settle(v: VideoRow, quietSince: number): Promise<Swept | undefined> {
    if ((await deps.outbox.pending('video.dispatch', v.id)).length) return undefined // its dispatch is on the way
    const jobs = await jobsOf(v)
    if (jobs.some((j) => LIVE_STATES.has(j.state))) return undefined
    const lastSign = Math.max(v.updatedAt.getTime(), ...jobs.map((j) => j.job.finishedOn ?? 0))
    if (lastSign + REPORT_LAG_MS >= quietSince) return undefined // a report about it may still be queued
    const stage = (PIPELINE.isStage(v.stage) ? v.stage : PIPELINE.entry) as Stage
    const triedAttempts = Math.max(1, v.stages[stage]?.attempt ?? 1)

    // A stage failed for good and nobody reported it (a parent failed by its child names the child).
    const failed = jobs.find((j) => j.state === 'failed' && !j.job.failedReason?.startsWith('child '))?.job
    if (failed) {
      const failedStage = failed.name as Stage
      const attempts = Math.min(failed.opts.attempts ?? DEFAULT_RETRY.attempts, failed.attemptsMade + failed.stalledCounter)
      const video = (failedStage === PIPELINE.entry ? failed.data : failed.data.video) as VideoJob
      const reason = `the ${failedStage} stage failed, and the worker stopped before reporting it`
      await fail(v, failedStage, reason, attempts, {
        id: `dl.${failed.id}.${failed.finishedOn}`,
        video,
        why: failed.failedReason ?? reason,
      })
      return { videoId: v.id, outcome: 'failed-unreported', reason }
    }
    const job = v.job ?? undefined
    // The video's last stage: the furthest of those it was recorded with (publish, when it asked for it).
    const stages = Object.keys(v.stages).filter(PIPELINE.isStage)
    const last = stages.reduce<Stage>((a, b) => (PIPELINE.rank[b] > PIPELINE.rank[a] ? b : a), PIPELINE.entry)
    const final = jobs.find((j) => j.job.name === last && j.state === 'completed')
    if (final) {
      const reason = 'it was rendered, but the report of its completion was lost; an administrator can re-drive it'
      await fail(v, final.job.name as Stage, reason, triedAttempts, { id: `dl.sweep.${v.id}.${lastSign}`, video: job, why: reason })
      return { videoId: v.id, outcome: 'completion-lost', reason }
    }
    // A video that asked to be published needs its grant, which only its first dispatch had: dead-lettered instead.
    if (v.status === 'queued' && job && !(await service.hasPublication(v.id))) {
      const ids = await db.transaction((tx) => deps.outbox.add(tx, 'video.dispatch', { videoId: v.id }))
      await deps.outbox.flush([ids])
      return { videoId: v.id, outcome: 'redispatched', reason: 'it was queued, but its job was not in the queue' }
    }
    const reason = 'its job was lost from the queue (Redis lost its data); an administrator can re-drive it'
    await fail(v, stage, reason, triedAttempts, { id: `dl.sweep.${v.id}.${lastSign}`, video: job, why: reason })
    return { videoId: v.id, outcome: 'jobs-lost', reason }
  }

  return {
    /** One pass over the videos idle for the grace period; answers what it settled. */
    async sweep(now = Date.now()): Promise<Swept[]> {
      const idle = await db
        .select()
        .from(videos)
        .where(and(inArray(videos.status, ['queued', 'running']), lt(videos.updatedAt, new Date(now - graceMs))))
        .limit(BATCH)
      if (idle.length === 0) return []
      // Reports are applied in order: every report queued before the oldest one still waiting has been applied.
      const quietSince = Math.min((await deps.pipeline.oldestPendingReport()) ?? now, now)
      const swept: Swept[] = []
      for (const v of idle) {
        const done = await settle(v, quietSince).catch((err) => {
          deps.log.error({ err, videoId: v.id }, 'could not settle a video')
          return undefined
        })
        if (!done) continue
        swept.push(done)
        deps.metrics.videosSwept.inc({ outcome: done.outcome })
        deps.log.warn(done, 'settled a video whose job no longer exists')
      }
      return swept
    },

    /** Sweeps every `intervalMs` until closed (each instance; settling twice records once). */
    start(): { close(): Promise<void> } {
      let running: Promise<unknown> | undefined
      const timer = setInterval(() => {
        running ??= this.sweep()
          .catch((err) => deps.log.error({ err }, 'video sweep failed'))
          .finally(() => {
            running = undefined
          })
      }, deps.config.sweeper.intervalMs)
      return {
        async close() {
          clearInterval(timer)
          await running
        },
      }
    },
  }
}
export type VideoSweeper = ReturnType<typeof createVideoSweeper>
