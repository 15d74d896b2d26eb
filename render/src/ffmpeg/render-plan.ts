// Pure: a render plan in, ffmpeg arguments out. One ffmpeg pass from inputs to the final MP4.
import { RenderPlanError } from '../errors'
import type { VideoEncoder } from './encoder'
import { FFMPEG_QUIET } from './ffmpeg'

export interface SceneInput {
  kind: 'still' | 'clip'
  path: string
  /** clips only: the source length, so segments seek correctly in a looped clip */
  clipDurationS?: number
  /** where the scene's narration starts on the output timeline, seconds (scene 0 starts at 0) */
  start: number
}

export type Motion = 'pan' | 'zoom' | 'none'

export interface EncoderSettings {
  codec: VideoEncoder
  /** libx264 preset (veryfast...) or NVENC preset (p1..p7) */
  preset: string
  /** libx264 CRF or NVENC CQ */
  quality: number
}

export interface RenderPlan {
  width: number
  height: number
  fps: number
  /** total output length = narration length, seconds */
  durationS: number
  scenes: SceneInput[]
  /** Ken Burns on stills: `pan` crops a moving window out of a slightly larger frame (cheap), `zoom` uses zoompan */
  motion: Motion
  /** 0 = hard cuts */
  crossfadeS: number
  voicePath: string
  music?: { path: string; volume: number }
  captionsPath?: string
  fontsDir?: string
  encoder: EncoderSettings
  /** 0 = ffmpeg decides */
  threads: number
  outputPath: string
}

/** Stills are prepared this much larger than the frame so the pan has room to move. */
export const PAN_MARGIN = 0.08

const even = (n: number) => 2 * Math.round(n / 2)
const fmt = (n: number) => Number(n.toFixed(4)).toString()

/** Filter-graph option values are not shell-quoted; keep paths to a safe alphabet instead of escaping. */
function filterPath(path: string): string {
  if (!/^[\w./+@-]+$/.test(path)) throw new RenderPlanError(`path not usable inside a filter graph: ${path}`)
  return path
}

/**
 * Frame ranges on the output timeline. Scene i owns [start, end); with a crossfade every scene but the
 * last runs `fadeFrames` longer, overlapping the next one's start.
 */
export function sceneFrames(plan: Pick<RenderPlan, 'scenes' | 'durationS' | 'crossfadeS' | 'fps'>): {
  starts: number[]
  lengths: number[]
  fadeFrames: number
} {
  const f = (s: number) => Math.round(s * plan.fps)
  const total = f(plan.durationS)
  const starts = plan.scenes.map((s, i) => (i === 0 ? 0 : f(s.start)))
  const spans = starts.map((a, i) => (i + 1 < starts.length ? starts[i + 1]! : total) - a)
  let fadeFrames = plan.scenes.length > 1 ? f(plan.crossfadeS) : 0
  // Never fade over more than a third of the shortest scene.
  fadeFrames = Math.max(0, Math.min(fadeFrames, Math.floor(Math.min(...spans) / 3)))
  const lengths = spans.map((n, i) => (i + 1 < spans.length ? n + fadeFrames : n))
  return { starts, lengths, fadeFrames }
}

interface Segment {
  /** first frame, scene-local */
  from: number
  /** frame count */
  count: number
  label: string
}

/** Pan direction per scene (right, left, down-right, up-left): offsets as functions of the scene-local frame. */
function panExpr(index: number, dx: number, dy: number, from: number, length: number): [string, string] {
  const p = `((n+${from})/${length})`
  const options: [string, string][] = [
    [`${dx}*${p}`, `${dy / 2}`],
    [`${dx}*(1-${p})`, `${dy / 2}`],
    [`${dx}*${p}`, `${dy}*${p}`],
    [`${dx}*(1-${p})`, `${dy}*(1-${p})`],
  ]
  return options[index % 4]!
}

/**
 * A still becomes its segments: the single decoded frame is scaled and converted once, split (one
 * frame per segment, cheap), repeated with `loop`, and panned with a moving crop (pointer offsets,
 * no per-frame scaling).
 */
function stillSegments(index: number, plan: RenderPlan, length: number, segments: Segment[]): string[] {
  const { width: W, height: H, fps } = plan
  const out: string[] = []
  if (plan.motion === 'zoom') {
    // zoompan scales every output frame: keep its input modest (1.25x the frame), not the full photo.
    const zW = even(W * 1.25)
    const zH = even(H * 1.25)
    const rate = fmt(0.12 / length)
    out.push(
      `[${index}:v]scale=${zW}:${zH}:force_original_aspect_ratio=increase,crop=${zW}:${zH},setsar=1,` +
        `zoompan=z='1+${rate}*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${length}:s=${W}x${H}:fps=${fps},` +
        `format=yuv420p,settb=1/${fps},setpts=N,split=${segments.length}${segments.map((s) => `[z${s.label}]`).join('')}`,
    )
    for (const s of segments) out.push(`[z${s.label}]trim=start_frame=${s.from}:end_frame=${s.from + s.count},setpts=N[${s.label}]`)
    return out
  }
  const bigW = plan.motion === 'pan' ? even(W * (1 + PAN_MARGIN)) : W
  const bigH = plan.motion === 'pan' ? even(H * (1 + PAN_MARGIN)) : H
  out.push(
    `[${index}:v]scale=${bigW}:${bigH}:force_original_aspect_ratio=increase,crop=${bigW}:${bigH},setsar=1,format=yuv420p` +
      (segments.length > 1 ? `,split=${segments.length}${segments.map((s) => `[f${s.label}]`).join('')}` : `[f${segments[0]!.label}]`),
  )
  for (const s of segments) {
    let chain = `[f${s.label}]loop=loop=${s.count - 1}:size=1:start=0,settb=1/${fps},setpts=N`
    if (plan.motion === 'pan') {
      const [x, y] = panExpr(index, bigW - W, bigH - H, s.from, length)
      chain += `,crop=${W}:${H}:x='${x}':y='${y}':exact=1`
    }
    out.push(`${chain}[${s.label}]`)
  }
  return out
}

/** A clip is opened once per segment with its own input seek, so no segment waits buffered in memory. */
function clipSegment(inputIndex: number, plan: RenderPlan, s: Segment): string {
  const { width: W, height: H, fps } = plan
  return (
    `[${inputIndex}:v]fps=${fps},scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1,format=yuv420p,` +
    `trim=end_frame=${s.count},settb=1/${fps},setpts=N[${s.label}]`
  )
}

export function renderPlan(plan: RenderPlan): string[] {
  if (plan.scenes.length === 0) throw new RenderPlanError('a render needs at least one scene')
  if (!(plan.durationS > 0)) throw new RenderPlanError('durationS must be positive')
  if (plan.width % 2 || plan.height % 2) throw new RenderPlanError('width and height must be even for yuv420p')
  for (let i = 1; i < plan.scenes.length; i++) {
    if (!(plan.scenes[i]!.start > plan.scenes[i - 1]!.start)) throw new RenderPlanError('scene starts must increase')
  }
  if (plan.scenes[plan.scenes.length - 1]!.start >= plan.durationS) throw new RenderPlanError('last scene starts after the end')

  const { fps } = plan
  const { lengths, fadeFrames } = sceneFrames(plan)
  const n = plan.scenes.length
  const args: string[] = [...FFMPEG_QUIET]
  const graph: string[] = []
  const clipInputs: string[][] = []
  let inputCount = n + (plan.music ? 2 : 1)

  // Each scene splits into head (fades in), body and tail (fades out); only the fades touch xfade,
  // which would otherwise process every frame it passes through.
  const order: string[] = []
  plan.scenes.forEach((scene, i) => {
    const length = lengths[i]!
    const head = i > 0 ? fadeFrames : 0
    const tail = i < n - 1 ? fadeFrames : 0
    const segments: Segment[] = []
    if (head) segments.push({ from: 0, count: head, label: `h${i}` })
    segments.push({ from: head, count: length - head - tail, label: `b${i}` })
    if (tail) segments.push({ from: length - tail, count: tail, label: `t${i}` })
    if (scene.kind === 'clip') {
      const clipLength = scene.clipDurationS && scene.clipDurationS > 0 ? scene.clipDurationS : Number.POSITIVE_INFINITY
      segments.forEach((s, k) => {
        const seek = (s.from / fps) % clipLength
        const input = k === 0 ? i : inputCount++
        const opts = ['-stream_loop', '-1', ...(seek > 0 ? ['-ss', fmt(seek)] : []), '-t', fmt(s.count / fps + 0.5), '-i', scene.path]
        if (k === 0) args.push(...opts)
        else clipInputs.push(opts)
        graph.push(clipSegment(input, plan, s))
      })
    } else {
      // -framerate only labels the single frame's stream (xfade/concat insist on equal rates).
      args.push('-framerate', String(fps), '-i', scene.path)
      graph.push(...stillSegments(i, plan, length, segments))
    }
    if (head) order.push(`x${i}`)
    order.push(`b${i}`)
    if (tail) graph.push(`[t${i}][h${i + 1}]xfade=transition=fade:duration=${fmt(tail / fps)}:offset=0[x${i + 1}]`)
  })

  const voiceIndex = n
  args.push('-i', plan.voicePath)
  const musicIndex = n + 1
  if (plan.music) args.push('-stream_loop', '-1', '-i', plan.music.path)
  for (const extra of clipInputs) args.push(...extra)

  let video = 'b0'
  if (order.length > 1) {
    graph.push(`${order.map((l) => `[${l}]`).join('')}concat=n=${order.length}:v=1:a=0[joined]`)
    video = 'joined'
  }

  // Captions burn in last, on the joined stream only: libass draws once per output frame.
  if (plan.captionsPath) {
    const fonts = plan.fontsDir ? `:fontsdir=${filterPath(plan.fontsDir)}` : ''
    graph.push(`[${video}]ass=filename=${filterPath(plan.captionsPath)}${fonts}[vout]`)
  } else {
    graph.push(`[${video}]null[vout]`)
  }

  let audioMap = `${voiceIndex}:a`
  if (plan.music) {
    graph.push(
      `[${musicIndex}:a]aformat=sample_rates=48000:channel_layouts=stereo,volume=${fmt(plan.music.volume)}[music]`,
      `[${voiceIndex}:a]aformat=sample_rates=48000:channel_layouts=stereo,asplit=2[voice][key]`,
      // The voice keys a compressor on the music: the bed ducks while someone speaks.
      `[music][key]sidechaincompress=threshold=0.02:ratio=12:attack=20:release=400[ducked]`,
      `[voice][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[aout]`,
    )
    audioMap = '[aout]'
  }

  args.push('-filter_complex', graph.join(';'), '-map', '[vout]', '-map', audioMap)

  const { encoder } = plan
  if (encoder.codec === 'h264_nvenc') {
    args.push('-c:v', 'h264_nvenc', '-preset', encoder.preset, '-rc', 'vbr', '-cq', String(encoder.quality), '-b:v', '0')
  } else {
    args.push('-c:v', 'libx264', '-preset', encoder.preset, '-crf', String(encoder.quality))
  }
  args.push('-profile:v', 'high', '-pix_fmt', 'yuv420p', '-r', String(plan.fps), '-g', String(plan.fps * 2))
  if (plan.threads > 0) args.push('-threads', String(plan.threads))
  args.push(
    '-c:a',
    'aac',
    '-b:a',
    '160k',
    '-ar',
    '48000',
    '-ac',
    '2',
    '-t',
    fmt(plan.durationS),
    '-movflags',
    '+faststart',
    '-progress',
    'pipe:1',
    '-nostats',
    plan.outputPath,
  )
  return args
}
