// The pipeline definition and what is derived from it, without Redis: the flow tree, the removal
// order, ranks and progress, and the checks that refuse a definition BullMQ could not run.
import { describe, expect, test } from 'bun:test'
import { definePipeline, type FlowNode, PIPELINE, QUEUES, type Stage, type VideoJob } from '../src'
import { videoFlow } from '../src/queue'

const job = (extra: Partial<VideoJob> & Record<string, unknown> = {}): VideoJob => ({
  videoId: 'v1',
  userId: 'u1',
  channelId: 'c1',
  plan: 'pro',
  targetSeconds: 60,
  language: 'en',
  voice: {},
  visualSource: 'generated',
  captionStyle: 'highlight',
  aspect: '16:9',
  ...extra,
})

const shape = (node: FlowNode | undefined): unknown => node && { [node.stage]: node.children.map(shape) }

describe('the pipeline', () => {
  test('script, then voice and visuals, the render after both, then the thumbnail (and publish, when asked)', () => {
    expect(PIPELINE.stages).toEqual(['script', 'voice', 'visuals', 'render', 'thumbnail', 'publish'])
    expect(PIPELINE.entry).toBe('script')
    expect(shape(PIPELINE.flowFor(job()))).toEqual({ thumbnail: [{ render: [{ voice: [] }, { visuals: [] }] }] })
    expect(PIPELINE.finalStage(job())).toBe('thumbnail')
    expect(PIPELINE.rank).toEqual({ script: 0, voice: 1, visuals: 1, render: 2, thumbnail: 3, publish: 4 })
    // A parent before its children: removing it removes them.
    expect(PIPELINE.removalOrder).toEqual(['publish', 'thumbnail', 'render', 'visuals', 'voice', 'script'])
    const published = job({ publish: { grant: 'ypg_x' } })
    expect(shape(PIPELINE.flowFor(published))).toEqual({ publish: [{ thumbnail: [{ render: [{ voice: [] }, { visuals: [] }] }] }] })
    expect(PIPELINE.finalStage(published)).toBe('publish')
    expect(QUEUES).toMatchObject({ script: 'video-script', render: 'video-render', events: 'video-events', deadLetter: 'dead-letter' })
    // @ts-expect-error the stage names are a closed union
    const unknown: Stage = 'upload'
    expect(PIPELINE.isStage(unknown)).toBe(false)
  })

  test('overall progress weighs each stage, over the stages of the video', () => {
    const all = PIPELINE.stagesFor(job())
    expect(PIPELINE.progress({}, all)).toBe(0)
    expect(PIPELINE.progress({ script: 100, render: 50 }, all)).toBe(10 + 25)
    expect(PIPELINE.progress(Object.fromEntries(all.map((s) => [s, 100])), all)).toBe(100)
    expect(PIPELINE.progress({ script: 100 }, ['script', 'something-old'])).toBe(100)
  })

  test('the BullMQ flow: one job per stage, ids from the video, children fail their parent, the video’s retries', () => {
    const flow = videoFlow(job({ plan: 'premium' }), { marker: 1 }, { attempts: 2, backoffMs: 50 })!
    expect(flow).toMatchObject({ name: 'thumbnail', queueName: 'video-thumbnail', data: { marker: 1 } })
    expect(flow.opts).toMatchObject({ jobId: 'v1.thumbnail', priority: 1, attempts: 2, backoff: { delay: 50 } })
    expect(flow.opts?.failParentOnFailure).toBeUndefined()
    const render = flow.children![0]!
    expect(render.opts).toMatchObject({ jobId: 'v1.render', failParentOnFailure: true })
    expect(render.children!.map((c) => [c.name, c.opts?.jobId, 'children' in c])).toEqual([
      ['voice', 'v1.voice', false],
      ['visuals', 'v1.visuals', false],
    ])
  })
})

describe('adding a stage', () => {
  // The worked example of docs/contracts.md: publishing after the thumbnail, only when asked, added
  // as one entry to the stages that came before it.
  const { publish: _, ...before } = PIPELINE.spec
  const withPublish = definePipeline({
    ...before,
    publish: {
      queue: 'video-publish',
      weight: 10,
      after: ['thumbnail'],
      pool: 'stage',
      timeoutS: 1800,
      retry: { attempts: 5, backoffMs: 60_000 },
      when: (j) => 'publish' in j,
    },
  })
  const asked = job({ publish: { grant: 'ypg_x' } })

  test('an optional stage is in the flow only of the videos that ask for it', () => {
    expect(shape(withPublish.flowFor(asked))).toEqual({ publish: [{ thumbnail: [{ render: [{ voice: [] }, { visuals: [] }] }] }] })
    expect(withPublish.finalStage(asked)).toBe('publish')
    expect(shape(withPublish.flowFor(job()))).toEqual(shape(PIPELINE.flowFor(job())))
    expect(withPublish.finalStage(job())).toBe('thumbnail')
    expect(withPublish.stagesFor(job())).not.toContain('publish')
    expect(withPublish.removalOrder[0]).toBe('publish')
    // Its own retries; the others keep the video's.
    expect(withPublish.retryOf('publish', { attempts: 3, backoffMs: 5000 })).toEqual({ attempts: 5, backoffMs: 60_000 })
    expect(withPublish.retryOf('render', { attempts: 3, backoffMs: 5000 })).toEqual({ attempts: 3, backoffMs: 5000 })
    // Progress counts only the stages the video goes through.
    const done = { script: 100, voice: 100, visuals: 100, render: 100, thumbnail: 100 }
    expect(withPublish.progress(done, withPublish.stagesFor(job()))).toBe(100)
    expect(withPublish.progress(done, withPublish.stagesFor(asked))).toBe(91)
  })

  test('a definition BullMQ cannot run is refused, naming the problem', () => {
    const base = { queue: 'q', weight: 1, pool: 'stage', timeoutS: 1 } as const
    expect(() => definePipeline({ a: { ...base, after: [] }, b: { ...base, queue: 'b', after: [] } })).toThrow(
      /exactly one stage \(the entry\)/,
    )
    expect(() =>
      definePipeline({
        a: { ...base, after: [] },
        b: { ...base, queue: 'b', after: ['a'] },
        c: { ...base, queue: 'c', after: ['b'] },
        d: { ...base, queue: 'd', after: ['b'] },
      }),
    ).toThrow(/b is needed by c and d/)
    expect(() => definePipeline({ a: { ...base, after: ['b'] }, b: { ...base, queue: 'b', after: [] } })).toThrow(/declared before it/)
    expect(() => definePipeline({ a: { ...base, after: [] }, b: { ...base, after: ['a'] } })).toThrow(/its own queue/)
    expect(() =>
      definePipeline({
        a: { ...base, after: [] },
        b: { ...base, queue: 'b', after: ['a'] },
        c: { ...base, queue: 'c', after: ['a'] },
        d: { ...base, queue: 'd', after: ['b', 'c'], when: () => true },
      }),
    ).toThrow(/optional stage d must come after exactly one stage/)
  })
})
