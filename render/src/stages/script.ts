// Stage 1: get the script (from the job, from storage on a re-drive, or from the LLM), store it,
// then fan out: voice and visuals in parallel, render after both, thumbnail after render.
import { type Plan, QUEUES, stageJobId, stageJobOptions, type VideoScript } from '../contract'
import { llmCost } from '../cost/cost'
import { InvalidInputError } from '../errors/invalid-input-error'
import { artifactKey, type StageContext, type StageJobData } from '../pipeline/stage'
import { validateScript } from '../script/script'

export interface ScriptStageResult {
  scriptKey: string
  scenes: number
}

export async function loadScript(ctx: StageContext, key: string): Promise<VideoScript> {
  return JSON.parse(new TextDecoder().decode(await ctx.storage.get(key))) as VideoScript
}

export async function scriptStage(ctx: StageContext): Promise<ScriptStageResult> {
  const { video } = ctx
  const scriptKey = artifactKey(video.videoId, 'script.json')
  let script: VideoScript
  if (await ctx.storage.stat(scriptKey)) {
    // Re-drive or a retry after a crash: the script (and its LLM cost) is already paid for.
    script = await loadScript(ctx, scriptKey)
  } else {
    if (video.script) script = validateScript(video.script)
    else if (!ctx.providers.scriptWriter) throw new InvalidInputError('no LLM is configured: the request must carry its script')
    else if (!video.topic?.trim()) throw new InvalidInputError('a request without a script needs a topic')
    else {
      const written = await ctx.providers.scriptWriter.write({
        topic: video.topic,
        targetSeconds: video.targetSeconds,
        language: video.language,
        signal: ctx.signal,
      })
      script = written.script
      ctx.cost(...llmCost('script', written.usage.model, written.usage.inputTokens, written.usage.outputTokens))
    }
    const path = `${ctx.dir}/script.json`
    await Bun.write(path, JSON.stringify(script, null, 2))
    await ctx.store(scriptKey, path, 'application/json')
  }
  ctx.progress(50)

  // A retry after a crash between adding the flow and finishing: the flow is already there.
  if (await ctx.queue(QUEUES.thumbnail).getJob(stageJobId(video.videoId, 'thumbnail'))) {
    return { scriptKey, scenes: script.scenes.length }
  }
  const job = ctx.job
  const attempts = job.opts.attempts ?? 1
  const backoffMs = typeof job.opts.backoff === 'object' ? (job.opts.backoff.delay ?? 5000) : (job.opts.backoff ?? 5000)
  const opts = (stage: 'voice' | 'visuals' | 'render' | 'thumbnail', plan: Plan) => ({
    ...stageJobOptions(plan, attempts, backoffMs),
    jobId: stageJobId(video.videoId, stage),
  })
  const data: StageJobData = { video, scriptKey }
  await ctx.flows.add({
    name: 'thumbnail',
    queueName: QUEUES.thumbnail,
    data,
    opts: opts('thumbnail', video.plan),
    children: [
      {
        name: 'render',
        queueName: QUEUES.render,
        data,
        opts: { ...opts('render', video.plan), failParentOnFailure: true },
        children: [
          { name: 'voice', queueName: QUEUES.voice, data, opts: { ...opts('voice', video.plan), failParentOnFailure: true } },
          { name: 'visuals', queueName: QUEUES.visuals, data, opts: { ...opts('visuals', video.plan), failParentOnFailure: true } },
        ],
      },
    ],
  })
  return { scriptKey, scenes: script.scenes.length }
}
