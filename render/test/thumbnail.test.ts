// The thumbnail is made to be read at 320 px wide: the title as large as fits, inside its box, over a
// background without other text.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { runFfmpeg } from '../src/ffmpeg/ffmpeg'
import { type FontMetrics, fontMetrics } from '../src/ffmpeg/font-metrics'
import { THUMBNAIL, thumbnailArgs, thumbnailLayout, wrapTitle } from '../src/ffmpeg/thumbnail'
import { GeneratedVisuals, sceneGradient } from '../src/visuals/generated'
import { shortScript, videoJob } from './helpers'

const fontFile = loadConfig({}).video.fontBoldFile
let font: FontMetrics
let dir: string
beforeAll(async () => {
  font = await fontMetrics(fontFile)
  dir = await mkdtemp(join(tmpdir(), 'ytempire-thumb-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('thumbnail layout', () => {
  test("the font's own widths: a W is wider than an i", () => {
    expect(font.width('WWWW', 100)).toBeGreaterThan(2.5 * font.width('iiii', 100))
  })

  test('a short title is set at the largest size; every line fits inside the box', () => {
    const l = thumbnailLayout('Tiny Facts About Honey Bees', font)
    expect(l.fontSize).toBe(132)
    for (const line of l.lines) expect(l.text.x + font.width(line, l.fontSize)).toBeLessThanOrEqual(l.box.x + l.box.width)
    expect(l.box.y).toBeGreaterThan(0)
    expect(l.box.y + l.box.height).toBeLessThanOrEqual(THUMBNAIL.height)
  })

  test('a long title shrinks, up to four lines, and is cut with an ellipsis only when even the smallest size cannot hold it', () => {
    const long = thumbnailLayout('The Surprising History of Coffee: How One Small Bean Changed the Entire World Forever', font)
    expect(long.fontSize).toBeLessThan(132)
    expect(long.fontSize).toBeGreaterThanOrEqual(72)
    expect(long.lines.join(' ')).toBe('The Surprising History of Coffee: How One Small Bean Changed the Entire World Forever')
    const huge = thumbnailLayout('word '.repeat(60).trim(), font)
    expect(huge.lines.length).toBe(4)
    expect(huge.lines.at(-1)!.endsWith('…')).toBe(true)
  })

  test('a word longer than a line is broken, never left to overflow', () => {
    const lines = wrapTitle('Pneumonoultramicroscopicsilicovolcanoconiosis', (l) => font.width(l, 100) <= 600, 8)
    expect(lines.length).toBeGreaterThan(1)
    for (const l of lines) expect(font.width(l, 100)).toBeLessThanOrEqual(600)
    expect(lines.join('').replace(/-/g, '')).toBe('Pneumonoultramicroscopicsilicovolcanoconiosis')
  })
})

describe('thumbnail image', () => {
  test("a generated scene's gradient without its keyword typography: the title is the only text", async () => {
    // The scene itself carries its keywords in big type, centred, where the title box goes.
    const req = {
      video: videoJob(),
      scenes: shortScript.scenes,
      width: 1280,
      height: 720,
      aspect: '16:9' as const,
      dir,
      signal: new AbortController().signal,
      mediaBudget: { left: Number.POSITIVE_INFINITY },
    }
    const scene = await new GeneratedVisuals(fontFile).background(req, 0, ['bees', 'faces'])
    const layout = thumbnailLayout('Tiny Facts About Honey Bees', font)
    const render = async (background: Parameters<typeof thumbnailArgs>[0]['background'], title: string, out: string) => {
      const titleFile = join(dir, `${out}.txt`)
      await Bun.write(titleFile, title)
      await runFfmpeg(thumbnailArgs({ background, layout, titleFile, fontFile, outputPath: join(dir, out) }), { timeoutS: 30 })
      // A still image: no seeking (ffmpeg's -ss on a JPEG yields no frame).
      const proc = Bun.spawn(['ffmpeg', '-v', 'error', '-i', join(dir, out), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
        stdout: 'pipe',
      })
      const rgb = new Uint8Array(await new Response(proc.stdout).arrayBuffer())
      expect(rgb.length).toBe(THUMBNAIL.width * THUMBNAIL.height * 3)
      return rgb
    }
    const gradient = { kind: 'gradient' as const, ...sceneGradient(['bees', 'faces'], 0) }
    const typeset = { kind: 'frame' as const, inputPath: scene.path, atS: 0 }
    /** Pixels inside the title box that differ sharply from their neighbour 6 px left: the edges of any text. */
    const edgesInBox = (rgb: Uint8Array) => {
      let n = 0
      for (let y = layout.box.y + 4; y < layout.box.y + layout.box.height - 4; y++)
        for (let x = layout.box.x + 30; x < layout.box.x + layout.box.width - 4; x++) {
          const i = (y * THUMBNAIL.width + x) * 3
          if (Math.abs(rgb[i + 1]! - rgb[i + 1 - 18]!) > 8) n++
        }
      return n
    }
    // Without a title the box over the clean gradient is empty; over the typeset scene the keywords show through it.
    const emptyClean = edgesInBox(await render(gradient, ' ', 'empty-clean.jpg'))
    const emptyTypeset = edgesInBox(await render(typeset, ' ', 'empty-typeset.jpg'))
    expect(emptyClean).toBeLessThan(50)
    expect(emptyTypeset).toBeGreaterThan(2000)

    // With the title: white strokes on a dark box.
    const titled = await render(gradient, layout.lines.join('\n'), 'titled.jpg')
    expect(edgesInBox(titled)).toBeGreaterThan(20_000)
    let white = 0
    let dark = 0
    for (let y = layout.box.y; y < layout.box.y + layout.box.height; y += 3)
      for (let x = layout.box.x + 20; x < layout.box.x + layout.box.width; x += 3) {
        const i = (y * THUMBNAIL.width + x) * 3
        const v = (titled[i]! + titled[i + 1]! + titled[i + 2]!) / 3
        if (v > 200) white++
        else if (v < 60) dark++
      }
    expect(white).toBeGreaterThan(1000)
    expect(dark).toBeGreaterThan(white)
  })
})
