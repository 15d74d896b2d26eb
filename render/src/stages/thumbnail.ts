// Stage 4: the thumbnail, the title over the first scene's background.
import type { Artifact } from '@ytempire/contract'
import { runFfmpeg } from '../ffmpeg/ffmpeg'
import { thumbnailArgs, wrapTitle } from '../ffmpeg/thumbnail'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { loadScript } from '../script/script'
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
  const lines = wrapTitle(video.title?.trim() || script.title)
  const titleFile = `${ctx.dir}/title.txt`
  await Bun.write(titleFile, lines.join('\n'))
  // The first scene's own background (no burned-in captions under the title); the video frame otherwise.
  const scene = render.firstScene
  const firstSceneEnd = render.sceneStarts[1] ?? render.durationS
  const source = scene
    ? {
        path: await ctx.storage.toLocalFile(scene.key, ctx.dir),
        atS: scene.kind === 'clip' ? Math.min(1, (scene.clipDurationS ?? 2) / 2) : 0,
      }
    : {
        path: await ctx.storage.toLocalFile(render.video.key, ctx.dir),
        atS: Math.min(firstSceneEnd / 2, Math.max(0, render.durationS - 0.1)),
      }
  const outputPath = `${ctx.dir}/thumbnail.jpg`
  await runFfmpeg(
    thumbnailArgs({
      inputPath: source.path,
      atS: source.atS,
      titleFile,
      lineCount: lines.length,
      fontFile: ctx.config.video.fontBoldFile,
      outputPath,
    }),
    { signal: ctx.signal, timeoutS: THUMBNAIL_TIMEOUT_S },
  )
  return { thumbnail: await ctx.store(artifactKey(video.videoId, 'thumbnail.jpg'), outputPath, 'image/jpeg') }
}
