// Stage 2b: one visual per scene from the chosen source; scenes it cannot fill get a generated one.

import { probeDuration } from '../ffmpeg/ffmpeg'
import { outputSize } from '../ffmpeg/output-size'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { loadScript } from '../script/script'
import { mediaBudgetOf } from '../visuals/safe-fetch'
import type { SceneVisual, VisualRequest } from '../visuals/visuals'
import type { ScriptStageResult } from './script'

export interface VisualsStageResult {
  scenes: { key: string; kind: 'still' | 'clip'; clipDurationS?: number; source: string }[]
  /** bytes of media downloaded for the scenes (the render's music gets what is left of the plan's mediaBytes) */
  mediaBytes?: number
}

export async function visualsStage(ctx: StageContext): Promise<VisualsStageResult> {
  const { video } = ctx
  const script = await loadScript(ctx.storage, ctx.resultOf<ScriptStageResult>('script').scriptKey)
  const { width, height } = outputSize(video.aspect, ctx.config.video.scale)
  const req: VisualRequest = {
    video,
    scenes: script.scenes,
    width,
    height,
    aspect: video.aspect,
    dir: ctx.dir,
    signal: ctx.signal,
    mediaBudget: mediaBudgetOf(video),
  }
  const budgeted = req.mediaBudget.left
  const found = await ctx.providers.visualsFor(video.visualSource).scenes(req)
  ctx.progress(60)
  const visuals: SceneVisual[] = []
  for (let i = 0; i < script.scenes.length; i++) {
    visuals[i] = found[i] ?? (await ctx.providers.generated.background(req, i, script.scenes[i]!.keywords))
  }
  const scenes: VisualsStageResult['scenes'] = []
  const stored = new Map<string, string>()
  for (const [i, v] of visuals.entries()) {
    let key = stored.get(v.path)
    if (!key) {
      const ext = v.kind === 'clip' ? 'mp4' : v.path.endsWith('.png') ? 'png' : 'img'
      key = artifactKey(video, `scenes/${i}.${ext}`)
      await ctx.store(key, v.path, v.kind === 'clip' ? 'video/mp4' : ext === 'png' ? 'image/png' : 'application/octet-stream')
      stored.set(v.path, key)
    }
    scenes.push({
      key,
      kind: v.kind,
      source: v.source,
      ...(v.kind === 'clip' ? { clipDurationS: await probeDuration(v.path, { signal: ctx.signal }) } : {}),
    })
  }
  return { scenes, mediaBytes: Number.isFinite(budgeted) ? budgeted - req.mediaBudget.left : 0 }
}
