// Stage 1: get the script (from storage on a retry or re-drive, from the job, or from the LLM) and store it.
import { titleKey, VIDEO_FILES, type VideoScript } from '@ytempire/contract'
import { llmCost } from '../cost/cost'
import { InvalidInputError } from '../errors'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { loadScript, validateScript } from '../script/script'

/** How often the LLM is asked for a script whose title the channel has not used yet. */
const FRESH_TITLE_TRIES = 3

export interface ScriptStageResult {
  scriptKey: string
  scenes: number
}

export async function scriptStage(ctx: StageContext): Promise<ScriptStageResult> {
  const { video } = ctx
  const scriptKey = artifactKey(video, VIDEO_FILES.script)
  let script: VideoScript
  if (await ctx.reuse(scriptKey)) {
    // Re-drive or a retry after a crash: the script (and its LLM cost) is already paid for.
    script = await loadScript(ctx.storage, scriptKey)
  } else {
    if (video.script) script = validateScript(video.script)
    else if (!ctx.providers.scriptWriter) throw new InvalidInputError('no LLM is configured: the request must carry its script')
    else if (!video.topic?.trim()) throw new InvalidInputError('a request without a script needs a topic')
    else {
      const avoid = video.avoidTitles ?? []
      const taken = new Set([...(video.takenTitleKeys ?? []), ...avoid.map(titleKey)])
      for (let attempt = 1; ; attempt++) {
        const written = await ctx.providers.scriptWriter.write({
          topic: video.topic,
          targetSeconds: video.targetSeconds,
          language: video.language,
          avoidTitles: avoid.length ? avoid : undefined,
          signal: ctx.signal,
        })
        ctx.cost(...llmCost('script', written.usage.model, written.usage.inputTokens, written.usage.outputTokens))
        script = written.script
        // The autopilot never repeats a title of the channel: the model is asked again, then the attempt fails.
        if (!taken.has(titleKey(written.script.title))) break
        if (attempt >= FRESH_TITLE_TRIES)
          throw new Error(`the LLM repeated an earlier title of the channel ("${written.script.title}") ${attempt} times`)
        ctx.log.warn({ title: written.script.title }, 'the LLM repeated an earlier title; asking again')
      }
    }
    // The plan's cap: the core checks a script it is given; one the LLM wrote is checked here, before a voice costs money.
    const chars = script.scenes.reduce((n, scene) => n + scene.narration.length, 0)
    const cap = video.limits?.narrationChars
    if (cap !== undefined && chars > cap) throw new InvalidInputError(`the narration has ${chars} characters; the plan allows ${cap}`)
    const path = `${ctx.dir}/script.json`
    await Bun.write(path, JSON.stringify(script, null, 2))
    await ctx.store(scriptKey, path, 'application/json')
  }
  ctx.progress(50)
  return { scriptKey, scenes: script.scenes.length }
}
