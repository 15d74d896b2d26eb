// The event-to-state rules on their own: no database, no queue.
import { describe, expect, test } from 'bun:test'
import { PIPELINE, type VideoEvent } from '@ytempire/contract'
import { applyEvent, type VideoState } from '../src/modules/videos/apply-event'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const at = (ms: number) => new Date(t0 + ms).toISOString()
/** The stages of a video that asks for no optional stage (no publish). */
const REQUIRED = PIPELINE.stages.filter((s) => !PIPELINE.spec[s].when)
const queued = (): VideoState => ({
  status: 'queued',
  stage: 'script',
  stages: Object.fromEntries(REQUIRED.map((s) => [s, { status: 'pending' as const, percent: 0 }])),
  startedAt: null,
  encoder: null,
})
/** Applies each event's patch in turn, as the service does to the row. */
function apply(row: VideoState, ...events: VideoEvent[]): VideoState & Record<string, unknown> {
  const state: VideoState & Record<string, unknown> = { ...row }
  for (const e of events) Object.assign(state, applyEvent(state, e))
  return state
}
const completed: VideoEvent = {
  type: 'video.completed',
  videoId: 'v',
  at: at(900),
  title: 'T',
  description: 'D',
  tags: ['x'],
  durationS: 12.5,
  video: { key: 'videos/v/video.mp4', contentType: 'video/mp4', size: 1000 },
  thumbnail: { key: 'videos/v/thumbnail.jpg', contentType: 'image/jpeg', size: 10 },
  artifacts: [],
  stageDurationsMs: { script: 5 },
}

describe('applyEvent', () => {
  test('a stage report makes the video run at that stage; progress is weighted over the pipeline', () => {
    const row = apply(
      queued(),
      { type: 'stage.started', videoId: 'v', at: at(0), stage: 'script', attempt: 1, worker: 'w' },
      { type: 'stage.completed', videoId: 'v', at: at(10), stage: 'script', durationMs: 10, artifacts: [] },
      { type: 'stage.progress', videoId: 'v', at: at(20), stage: 'render', percent: 50 },
    )
    expect(row).toMatchObject({ status: 'running', stage: 'render', startedAt: new Date(at(0)), progress: 10 + 25 })
    expect(row.stages.script).toMatchObject({ status: 'completed', percent: 100, durationMs: 10 })
  })

  test('an earlier stage reported late does not move the video back; progress never falls within a stage', () => {
    const row = apply(
      queued(),
      { type: 'stage.progress', videoId: 'v', at: at(20), stage: 'render', percent: 60 },
      { type: 'stage.progress', videoId: 'v', at: at(30), stage: 'render', percent: 40 },
      { type: 'stage.started', videoId: 'v', at: at(40), stage: 'voice', attempt: 1, worker: 'w' },
    )
    expect(row.stage).toBe('render')
    expect(row.stages.render!.percent).toBe(60)
  })

  test('within a stage an older report never overrides a newer one', () => {
    const row = apply(
      queued(),
      { type: 'stage.completed', videoId: 'v', at: at(200), stage: 'voice', durationMs: 5, artifacts: [] },
      { type: 'stage.started', videoId: 'v', at: at(0), stage: 'voice', attempt: 1, worker: 'w' },
    )
    expect(row.stages.voice).toMatchObject({ status: 'completed', percent: 100 })
  })

  test('a failed attempt that will be retried goes back to pending, with the reason', () => {
    const row = apply(queued(), {
      type: 'stage.failed',
      videoId: 'v',
      at: at(5),
      stage: 'visuals',
      attempt: 1,
      reason: '503',
      willRetry: true,
    })
    expect(row.stages.visuals!.status).toBe('pending')
    expect(row.error).toBe('visuals: 503 (retrying)')
  })

  test('completion is final: every stage done, the files recorded, and later reports change nothing', () => {
    const row = apply(queued(), completed)
    expect(row).toMatchObject({
      status: 'completed',
      stage: 'thumbnail',
      progress: 100,
      error: null,
      title: 'T',
      durationS: 12.5,
      videoKey: 'videos/v/video.mp4',
      videoBytes: 1000,
      thumbnailKey: 'videos/v/thumbnail.jpg',
      finishedAt: new Date(at(900)),
    })
    for (const s of REQUIRED) expect(row.stages[s]!.status).toBe('completed')
    const late: VideoEvent = {
      type: 'stage.failed',
      videoId: 'v',
      at: at(1000),
      stage: 'render',
      attempt: 1,
      reason: 'late',
      willRetry: false,
    }
    expect(applyEvent(row, late)).toBeUndefined()
    expect(applyEvent({ ...queued(), status: 'cancelled' }, completed)).toBeUndefined()
  })

  test('a final failure names the stage, the attempts and the dead letter', () => {
    const row = apply(queued(), {
      type: 'video.failed',
      videoId: 'v',
      at: at(50),
      stage: 'voice',
      reason: 'ElevenLabs said 401',
      attempts: 3,
      deadLetterJobId: 'dl-1',
    })
    expect(row).toMatchObject({
      status: 'failed',
      stage: 'voice',
      deadLetterJobId: 'dl-1',
      error: 'voice failed after 3 attempt(s): ElevenLabs said 401',
    })
    expect(row.stages.voice!.status).toBe('failed')
  })

  test('the encoder comes from the render cost, once, whatever the state', () => {
    const cost = (item: string): VideoEvent => ({
      type: 'cost',
      videoId: 'v',
      at: at(1),
      stage: 'render',
      items: [{ stage: 'render', kind: 'render_seconds', item, quantity: 1, unit: 'cpu_second', unitPriceUsd: 1, amountUsd: 1 }],
    })
    expect(applyEvent({ ...queued(), status: 'completed' }, cost('libx264:cpu'))).toEqual({ encoder: 'libx264' })
    expect(applyEvent({ ...queued(), encoder: 'h264_nvenc' }, cost('libx264:cpu'))).toBeUndefined()
  })
})
