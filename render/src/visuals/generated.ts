// Offline default: a gradient background per scene with the scene's keywords as typography.
import { join } from 'node:path'
import { FFMPEG_QUIET, runFfmpeg } from '../ffmpeg/ffmpeg'
import { PAN_MARGIN } from '../ffmpeg/render-plan'
import { type SceneVisual, stillSize, type VisualProvider, type VisualRequest } from './visuals'

const PALETTES: [string, string][] = [
  ['0x0f2027', '0x2c5364'],
  ['0x42275a', '0x734b6d'],
  ['0x134e5e', '0x71b280'],
  ['0x141e30', '0x243b55'],
  ['0x3a1c71', '0xd76d77'],
  ['0x0b486b', '0xf56217'],
  ['0x1d4350', '0xa43931'],
  ['0x232526', '0x414345'],
]

function hash(text: string): number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h >>> 0
}

/** The two colours of a scene's gradient: the thumbnail draws the same one without the typography. */
export function sceneGradient(keywords: string[], index: number): { c0: string; c1: string } {
  const [c0, c1] = PALETTES[(hash(keywords.join(' ')) + index) % PALETTES.length]!
  return { c0, c1 }
}

/** Breaks the keyword line into at most two lines of similar length. */
function typographyLines(keywords: string[]): string[] {
  const words = keywords.join(' ').toUpperCase().split(/\s+/).filter(Boolean).slice(0, 6)
  if (words.join(' ').length <= 16 || words.length < 2) return [words.join(' ')]
  const half = Math.ceil(words.length / 2)
  return [words.slice(0, half).join(' '), words.slice(half).join(' ')]
}

export class GeneratedVisuals implements VisualProvider {
  readonly name = 'generated'

  constructor(private readonly fontFile: string) {}

  async scenes(req: VisualRequest): Promise<SceneVisual[]> {
    const out: SceneVisual[] = []
    // Two at a time: each is a short single-frame ffmpeg run.
    const pending = req.scenes.map((scene, i) => async () => {
      out[i] = await this.background(req, i, scene.keywords)
    })
    // Every run is awaited through race/all, so a second failure (both stopped by a cancel) is never an
    // unhandled rejection, which would end the worker process.
    const running = new Set<Promise<void>>()
    for (const task of pending) {
      const run: Promise<void> = task().finally(() => running.delete(run))
      running.add(run)
      if (running.size >= 2) await Promise.race(running)
    }
    await Promise.all(running)
    return out
  }

  async background(req: VisualRequest, index: number, keywords: string[]): Promise<SceneVisual> {
    const { width, height } = stillSize(req.width, req.height, PAN_MARGIN)
    const { c0, c1 } = sceneGradient(keywords, index)
    const lines = typographyLines(keywords.length ? keywords : [req.video.title ?? ''])
    const longest = Math.max(1, ...lines.map((l) => l.length))
    const fontSize = Math.round(Math.min(height * 0.13, (width * 0.8) / (longest * 0.68)))
    const textFile = join(req.dir, `scene-${index}.txt`)
    await Bun.write(textFile, lines.join('\n'))
    const path = join(req.dir, `scene-${index}.png`)
    const diagonal = index % 2 === 0 ? `x0=0:y0=0:x1=${width}:y1=${height}` : `x0=${width}:y0=0:x1=0:y1=${height}`
    await runFfmpeg(
      [
        ...FFMPEG_QUIET,
        '-f',
        'lavfi',
        '-i',
        `gradients=s=${width}x${height}:c0=${c0}:c1=${c1}:${diagonal}:n=2:speed=0.00001:r=1`,
        '-vf',
        `drawtext=fontfile=${this.fontFile}:textfile=${textFile}:fontsize=${fontSize}:fontcolor=white@0.9:` +
          `line_spacing=${Math.round(fontSize * 0.25)}:shadowcolor=black@0.45:shadowx=${Math.round(fontSize * 0.05)}:` +
          `shadowy=${Math.round(fontSize * 0.05)}:x=(w-text_w)/2:y=(h-text_h)/2-h*0.08`,
        '-frames:v',
        '1',
        path,
      ],
      { signal: req.signal, timeoutS: 60 },
    )
    return { kind: 'still', path, source: 'generated' }
  }
}
