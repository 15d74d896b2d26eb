// Stage 3: one ffmpeg pass from scenes, voice, music and captions to the final MP4.

import { dirname } from 'node:path'
import { type Artifact, VIDEO_FILES } from '@ytempire/contract'
import { computeCost } from '../cost/cost'
import { buildAss } from '../ffmpeg/captions'
import { chooseEncoder } from '../ffmpeg/encoder'
import { runFfmpeg } from '../ffmpeg/ffmpeg'
import { outputSize } from '../ffmpeg/output-size'
import { type RenderPlan, renderPlan } from '../ffmpeg/render-plan'
import { renderSpeed } from '../metrics'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { mediaBudgetOf } from '../visuals/safe-fetch'
import { fetchUserMedia } from '../visuals/uploads'
import type { VisualsStageResult } from './visuals'
import type { VoiceStageResult, VoiceTrack } from './voice'

export interface RenderStageResult {
  video: Artifact
  voiceKey: string
  captionsKey?: string
  durationS: number
  sceneStarts: number[]
  encoder: string
  /** The first scene's background, without captions: what the thumbnail is made from. */
  firstScene?: { key: string; kind: 'still' | 'clip'; clipDurationS?: number; source?: string }
}

export async function renderStage(ctx: StageContext): Promise<RenderStageResult> {
  const { video, config } = ctx
  const voice = ctx.resultOf<VoiceStageResult>('voice')
  const visuals = ctx.resultOf<VisualsStageResult>('visuals')
  const { width, height } = outputSize(video.aspect, config.video.scale)
  const codec = await chooseEncoder(config.video.encoder, ctx.log)

  const track = JSON.parse(new TextDecoder().decode(await ctx.storage.get(voice.trackKey))) as VoiceTrack
  const voicePath = await ctx.storage.toLocalFile(voice.voiceKey, ctx.dir)
  const scenes: RenderPlan['scenes'] = []
  for (const [i, s] of visuals.scenes.entries()) {
    scenes.push({
      kind: s.kind,
      path: await ctx.storage.toLocalFile(s.key, ctx.dir),
      start: track.sceneStarts[i] ?? 0,
      clipDurationS: s.clipDurationS,
    })
  }
  // Scenes beyond the narration (should not happen) are dropped rather than failing the render.
  const usable = scenes.slice(0, track.sceneStarts.length)

  let captionsPath: string | undefined
  if (video.captionStyle !== 'none' && track.words.length) {
    captionsPath = `${ctx.dir}/captions.ass`
    await Bun.write(captionsPath, buildAss(track.words, { width, height, aspect: video.aspect, style: video.captionStyle }))
  }
  let music: RenderPlan['music']
  if (video.music) {
    const fetched = await fetchUserMedia({
      ref: video.music,
      userId: video.userId,
      basePath: `${ctx.dir}/music`,
      storage: ctx.storage,
      limits: config.media,
      use: 'music',
      signal: ctx.signal,
      budget: mediaBudgetOf(video, visuals.mediaBytes),
    })
    music = { path: fetched.path, volume: config.video.musicVolume }
  }

  const outputPath = `${ctx.dir}/video.mp4`
  const args = renderPlan({
    width,
    height,
    fps: config.video.fps,
    durationS: track.durationS,
    scenes: usable,
    motion: 'pan',
    crossfadeS: config.video.crossfadeS,
    voicePath,
    music,
    captionsPath,
    fontsDir: dirname(config.video.fontBoldFile),
    encoder:
      codec === 'h264_nvenc'
        ? { codec, preset: config.video.nvencPreset, quality: 23 }
        : { codec, preset: config.video.x264Preset, quality: config.video.x264Crf },
    threads: config.video.threads,
    outputPath,
  })
  ctx.log.debug({ args }, 'ffmpeg render')
  const run = await runFfmpeg(args, {
    signal: ctx.signal,
    timeoutS: config.video.renderTimeoutS,
    durationS: track.durationS,
    onProgress: (f) => ctx.progress(f * 99),
  })
  renderSpeed.set(track.durationS / run.wallSeconds)
  ctx.cost(
    codec === 'h264_nvenc'
      ? computeCost('render', 'h264_nvenc:gpu', run.wallSeconds, true)
      : computeCost('render', 'libx264:cpu', run.cpuSeconds, false),
  )

  const videoArtifact = await ctx.store(artifactKey(video, VIDEO_FILES.video), outputPath, 'video/mp4')
  const captions = captionsPath ? await ctx.store(artifactKey(video, VIDEO_FILES.captions), captionsPath, 'text/x-ssa') : undefined
  return {
    video: videoArtifact,
    voiceKey: voice.voiceKey,
    captionsKey: captions?.key,
    durationS: track.durationS,
    sceneStarts: track.sceneStarts,
    encoder: codec,
    firstScene: visuals.scenes[0]
      ? {
          key: visuals.scenes[0].key,
          kind: visuals.scenes[0].kind,
          clipDurationS: visuals.scenes[0].clipDurationS,
          source: visuals.scenes[0].source,
        }
      : undefined,
  }
}
