// The filter-graph builder: pure, so checked on its arguments; one tiny real encode proves ffmpeg accepts them.
import { describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RenderPlanError } from '../src/errors'
import { FFMPEG_QUIET, probeDuration, runFfmpeg } from '../src/ffmpeg/ffmpeg'
import { type RenderPlan, renderPlan, sceneFrames } from '../src/ffmpeg/render-plan'

const base: RenderPlan = {
  width: 1920,
  height: 1080,
  fps: 30,
  durationS: 12,
  scenes: [
    { kind: 'still', path: '/in/a.png', start: 0 },
    { kind: 'still', path: '/in/b.png', start: 4 },
    { kind: 'clip', path: '/in/c.mp4', start: 8, clipDurationS: 3 },
  ],
  motion: 'pan',
  crossfadeS: 0.4,
  voicePath: '/in/voice.wav',
  captionsPath: '/tmp/captions.ass',
  fontsDir: '/usr/share/fonts/truetype/dejavu',
  encoder: { codec: 'libx264', preset: 'veryfast', quality: 21 },
  threads: 2,
  outputPath: '/out/video.mp4',
}

const graphOf = (args: string[]) => args[args.indexOf('-filter_complex') + 1]!
const optionOf = (args: string[], name: string) => args[args.lastIndexOf(name) + 1]

describe('renderPlan', () => {
  test('encodes H.264 High + AAC with faststart, progress on stdout and the exact duration', () => {
    const args = renderPlan(base)
    expect(optionOf(args, '-c:v')).toBe('libx264')
    expect(optionOf(args, '-preset')).toBe('veryfast')
    expect(optionOf(args, '-profile:v')).toBe('high')
    expect(optionOf(args, '-pix_fmt')).toBe('yuv420p')
    expect(optionOf(args, '-c:a')).toBe('aac')
    expect(optionOf(args, '-movflags')).toBe('+faststart')
    expect(optionOf(args, '-progress')).toBe('pipe:1')
    expect(optionOf(args, '-t')).toBe('12')
    expect(optionOf(args, '-threads')).toBe('2')
    expect(args.at(-1)).toBe('/out/video.mp4')
  })

  test('stills are decoded once and looped, never re-read per frame', () => {
    const args = renderPlan(base)
    expect(args).not.toContain('-loop')
    const graph = graphOf(args)
    expect(graph).toContain('[0:v]scale=2074:1166')
    expect(graph).toMatch(/loop=loop=\d+:size=1:start=0/)
    // Pan = a moving crop, no per-frame scaling.
    expect(graph).toMatch(/crop=1920:1080:x='[^']*n[^']*':y='[^']*'/)
    expect(graph).not.toContain('zoompan')
  })

  test('crossfades only the overlap: xfade on short head/tail segments, joined by concat', () => {
    const graph = graphOf(renderPlan(base))
    const fades = graph.match(/xfade=transition=fade:duration=0\.4:offset=0/g) ?? []
    expect(fades.length).toBe(2)
    expect(graph).toContain('[b0][x1][b1][x2][b2]concat=n=5:v=1:a=0[joined]')
    // Frame budget: every output frame comes from exactly one segment.
    const { lengths, fadeFrames } = sceneFrames(base)
    expect(fadeFrames).toBe(12)
    expect(lengths).toEqual([132, 132, 120])
    expect(lengths.reduce((a, b) => a + b, 0) - 2 * fadeFrames).toBe(360)
  })

  test('a clip is opened once per segment with its own seek, looping short clips', () => {
    const args = renderPlan(base)
    const clipInputs = args.flatMap((a, i) => (a === '-i' && args[i - 1] !== undefined && args[i + 1] === '/in/c.mp4' ? [i] : []))
    expect(clipInputs.length).toBe(2)
    // The body of scene 3 starts 12 frames (0.4 s) in.
    expect(args.join(' ')).toContain('-stream_loop -1 -ss 0.4 -t')
  })

  test('hard cuts when the crossfade is 0', () => {
    const graph = graphOf(renderPlan({ ...base, crossfadeS: 0 }))
    expect(graph).not.toContain('xfade')
    expect(graph).toContain('[b0][b1][b2]concat=n=3:v=1:a=0[joined]')
  })

  test('captions are burned last, on the joined stream, with libass', () => {
    const graph = graphOf(renderPlan(base))
    expect(graph).toContain('[joined]ass=filename=/tmp/captions.ass:fontsdir=/usr/share/fonts/truetype/dejavu[vout]')
    expect(graphOf(renderPlan({ ...base, captionsPath: undefined }))).toContain('[joined]null[vout]')
  })

  test('music is ducked under the voice with a sidechain compressor', () => {
    const args = renderPlan({ ...base, music: { path: '/in/music.mp3', volume: 0.25 } })
    const graph = graphOf(args)
    expect(graph).toContain('asplit=2[voice][key]')
    expect(graph).toContain('[music][key]sidechaincompress')
    expect(graph).toContain('amix=inputs=2:duration=first')
    expect(args[args.indexOf('-map', args.indexOf('-map') + 1) + 1]).toBe('[aout]')
  })

  test('NVENC settings when the encoder is h264_nvenc', () => {
    const args = renderPlan({ ...base, encoder: { codec: 'h264_nvenc', preset: 'p4', quality: 23 } })
    expect(optionOf(args, '-c:v')).toBe('h264_nvenc')
    expect(optionOf(args, '-cq')).toBe('23')
    expect(optionOf(args, '-profile:v')).toBe('high')
  })

  test('aspect sizes flow into the graph (9:16)', () => {
    const graph = graphOf(renderPlan({ ...base, width: 1080, height: 1920 }))
    expect(graph).toContain('crop=1080:1920')
  })

  test('refuses bad plans', () => {
    expect(() => renderPlan({ ...base, scenes: [] })).toThrow(RenderPlanError)
    expect(() => renderPlan({ ...base, width: 1921 })).toThrow(RenderPlanError)
    expect(() => renderPlan({ ...base, scenes: [base.scenes[1]!, base.scenes[0]!] })).toThrow(RenderPlanError)
    expect(() => renderPlan({ ...base, captionsPath: "/tmp/evil',x.ass" })).toThrow(RenderPlanError)
  })

  test('ffmpeg accepts the graph and the output lasts exactly durationS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plan-'))
    try {
      const gen = (args: string[]) => runFfmpeg([...FFMPEG_QUIET, ...args])
      await gen(['-f', 'lavfi', '-i', 'color=c=red:s=200x120', '-frames:v', '1', join(dir, 'a.png')])
      await gen(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=1', join(dir, 'c.mp4')])
      await gen(['-f', 'lavfi', '-i', 'sine=f=440:d=3', join(dir, 'v.wav')])
      const out = join(dir, 'out.mp4')
      await runFfmpeg(
        renderPlan({
          ...base,
          width: 160,
          height: 90,
          durationS: 3,
          threads: 0,
          captionsPath: undefined,
          scenes: [
            { kind: 'still', path: join(dir, 'a.png'), start: 0 },
            { kind: 'clip', path: join(dir, 'c.mp4'), start: 1.5, clipDurationS: 1 },
          ],
          voicePath: join(dir, 'v.wav'),
          outputPath: out,
        }),
      )
      expect(Math.abs((await probeDuration(out)) - 3)).toBeLessThan(0.1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
