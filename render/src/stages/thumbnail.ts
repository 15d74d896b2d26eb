// Stage 4: the thumbnail, then the video is complete: report everything the core records.
import { type Artifact, QUEUES, type Stage, stageJobId } from '../contract'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { runFfmpeg } from '../render/ffmpeg'
import { fontMetrics } from '../render/font-metrics'
import { type ThumbnailPlan, thumbnailArgs, thumbnailLayout } from '../render/thumbnail'
import { sceneGradient } from '../visuals/generated'
import { childValue, type RenderStageResult } from './render'
import { loadScript } from './script'

export interface ThumbnailStageResult {
  thumbnailKey: string
  videoKey: string
}

export async function thumbnailStage(ctx: StageContext): Promise<ThumbnailStageResult> {
  const { video } = ctx
  const render = await childValue<RenderStageResult>(ctx, QUEUES.render)
  const script = await loadScript(ctx, ctx.data.scriptKey!)
  const title = video.title?.trim() || script.title
  const layout = thumbnailLayout(title, await fontMetrics(ctx.config.video.fontBoldFile))
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
            inputPath: await ctx.storage.toLocalFile(render.videoKey, ctx.dir),
            atS: Math.min(firstSceneEnd / 2, Math.max(0, render.durationS - 0.1)),
          }
  const outputPath = `${ctx.dir}/thumbnail.jpg`
  await runFfmpeg(thumbnailArgs({ background, layout, titleFile, fontFile: ctx.config.video.fontBoldFile, outputPath }), {
    signal: ctx.signal,
    timeoutS: 60,
  })
  const thumbnail = await ctx.store(artifactKey(video.videoId, 'thumbnail.jpg'), outputPath, 'image/jpeg')

  const stat = async (key: string): Promise<Artifact | null> => {
    const s = await ctx.storage.stat(key)
    return s ? { key: s.key, contentType: s.contentType, size: s.size } : null
  }
  const videoArtifact = render.artifacts.find((a) => a.key === render.videoKey)!
  const artifacts = (
    await Promise.all([stat(ctx.data.scriptKey!), stat(render.voiceKey), ...render.artifacts.map((a) => stat(a.key))])
  ).filter((a): a is Artifact => a !== null)
  artifacts.push(thumbnail)
  const stageDurationsMs: Partial<Record<Stage, number>> = {}
  for (const stage of ['script', 'voice', 'visuals', 'render'] as const) {
    const job = await ctx.queue(QUEUES[stage]).getJob(stageJobId(video.videoId, stage))
    if (job?.processedOn && job.finishedOn) stageDurationsMs[stage] = job.finishedOn - job.processedOn
  }
  // Reported after this stage's own stage.completed, so video.completed is the video's last event.
  ctx.onCompleted(async (thumbnailMs) => {
    await ctx.report({
      type: 'video.completed',
      videoId: video.videoId,
      title,
      description: script.description,
      tags: script.tags,
      durationS: render.durationS,
      video: videoArtifact,
      thumbnail,
      artifacts,
      stageDurationsMs: { ...stageDurationsMs, thumbnail: thumbnailMs },
    })
  })
  return { thumbnailKey: thumbnail.key, videoKey: render.videoKey }
}
