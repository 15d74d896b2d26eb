// Stage 4: the thumbnail, the title over the first scene's background, made to be read at 320 px.
import { type Artifact, VIDEO_FILES } from '@ytempire/contract'
import { runFfmpeg } from '../ffmpeg/ffmpeg'
import { fontMetrics } from '../ffmpeg/font-metrics'
import { type ThumbnailPlan, thumbnailArgs, thumbnailLayout } from '../ffmpeg/thumbnail'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { loadScript } from '../script/script'
import { sceneGradient } from '../visuals/generated'
import type { RenderStageResult } from './render'
import type { ScriptStageResult } from './script'

export interface ThumbnailStageResult {
  thumbnail: Artifact
}

/** ffmpeg reads one frame and draws text: a minute is far beyond normal. */
const THUMBNAIL_TIMEOUT_S = 60

export async function thumbnailStage(ctx: StageContext): Promise<ThumbnailStageResult> {
  const { video } = ctx
  const render = ctx.resultOf<RenderStageResult>('render')
  const script = await loadScript(ctx.storage, ctx.resultOf<ScriptStageResult>('script').scriptKey)
  const layout = thumbnailLayout(video.title?.trim() || script.title, await fontMetrics(ctx.config.video.fontBoldFile))
  const titleFile = `${ctx.dir}/title.txt`
  await Bun.write(titleFile, layout.lines.join('\n'))
  // The first scene's own background, without burned-in captions; a generated one is drawn again
  // without its keyword typography, which would fight the title.
  const scene = render.firstScene
  const firstSceneEnd = render.sceneStarts[1] ?? render.durationS
  const background: ThumbnailPlan['background'] =
    scene?.source === 'generated'
      ? { kind: 'gradient', ...sceneGradient(script.scenes[0]?.keywords ?? [], 0) }
      : scene
        ? {
            kind: 'frame',
            inputPath: await ctx.storage.toLocalFile(scene.key, ctx.dir),
            atS: scene.kind === 'clip' ? Math.min(1, (scene.clipDurationS ?? 2) / 2) : 0,
          }
        : {
            kind: 'frame',
            inputPath: await ctx.storage.toLocalFile(render.video.key, ctx.dir),
            atS: Math.min(firstSceneEnd / 2, Math.max(0, render.durationS - 0.1)),
          }
  const outputPath = `${ctx.dir}/thumbnail.jpg`
  await runFfmpeg(thumbnailArgs({ background, layout, titleFile, fontFile: ctx.config.video.fontBoldFile, outputPath }), {
    signal: ctx.signal,
    timeoutS: THUMBNAIL_TIMEOUT_S,
  })
  return { thumbnail: await ctx.store(artifactKey(video, VIDEO_FILES.thumbnail), outputPath, 'image/jpeg') }
}
