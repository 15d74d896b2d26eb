// 1280x720 JPEG made to be read at 320 px wide (YouTube's search results and phone feeds): a clean
// background (a frame of the first scene's footage, or the scene's gradient without its keyword
// typography), a dark scrim over the whole frame, a solid box with an accent bar, and the title as
// large as fits in three lines (four at the smaller sizes), measured with the font's own widths.
import { FFMPEG_QUIET } from './ffmpeg'
import type { FontMetrics } from './font-metrics'

export const THUMBNAIL = { width: 1280, height: 720 } as const

const MARGIN = 56
const PADDING = 44
const ACCENT = 16
const LINE_GAP = 0.14
/** From large to the smallest still legible at 320 px (72 px there is 18 px); small sizes may take a fourth line. */
const FONT_SIZES = [132, 120, 108, 98, 88, 80, 72]
const maxLinesAt = (fontSize: number) => (fontSize >= 98 ? 3 : 4)

/**
 * Wraps the title into at most `maxLines` lines that each `fit`, breaking a word too long for a
 * line, and ending in an ellipsis when the title is cut.
 */
export function wrapTitle(title: string, fits: (line: string) => boolean, maxLines: number): string[] {
  const lines: string[] = []
  let line = ''
  const push = (l: string) => {
    lines.push(l)
    return lines.length >= maxLines
  }
  const words = title.trim().split(/\s+/).filter(Boolean)
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!
    while (!fits(word)) {
      if (line && push(line)) return ellipsize(lines, fits)
      line = ''
      let n = word.length - 1
      while (n > 1 && !fits(`${word.slice(0, n)}-`)) n--
      if (push(`${word.slice(0, n)}-`)) return ellipsize(lines, fits)
      word = word.slice(n)
    }
    const joined = line ? `${line} ${word}` : word
    if (line && !fits(joined)) {
      if (push(line)) return ellipsize(lines, fits)
      line = word
    } else line = joined
  }
  if (line) lines.push(line)
  return lines
}

function ellipsize(lines: string[], fits: (line: string) => boolean): string[] {
  let last = lines[lines.length - 1]!.replace(/[\s.,;:!?-]*$/, '')
  while (last.length > 1 && !fits(`${last}…`)) last = last.slice(0, -1).replace(/\s+$/, '')
  lines[lines.length - 1] = `${last}…`
  return lines
}

export interface ThumbnailLayout {
  lines: string[]
  fontSize: number
  lineSpacing: number
  /** the box behind the text */
  box: { x: number; y: number; width: number; height: number }
  text: { x: number; y: number }
}

/** The largest font at which the whole title fits; the smallest one (ellipsized) otherwise. The box hugs the text. */
export function thumbnailLayout(title: string, font: FontMetrics): ThumbnailLayout {
  const maxText = THUMBNAIL.width - 2 * MARGIN - 2 * PADDING - ACCENT
  let chosen: { lines: string[]; fontSize: number } | undefined
  for (const fontSize of FONT_SIZES) {
    const lines = wrapTitle(title, (l) => font.width(l, fontSize) <= maxText, maxLinesAt(fontSize))
    chosen = { lines, fontSize }
    if (!lines[lines.length - 1]!.endsWith('…')) break
  }
  const { lines, fontSize } = chosen!
  const lineSpacing = Math.round(fontSize * LINE_GAP)
  // drawtext places the first line's cap tops at y and advances about one em plus the spacing per
  // line; the last line is its cap height plus a little for descenders.
  const textHeight = Math.round((lines.length - 1) * (fontSize + lineSpacing) + 0.84 * fontSize)
  const textWidth = Math.max(...lines.map((l) => font.width(l, fontSize)))
  const boxHeight = textHeight + 2 * PADDING
  const boxY = Math.round((THUMBNAIL.height - boxHeight) / 2 + THUMBNAIL.height * 0.06)
  return {
    lines,
    fontSize,
    lineSpacing,
    box: {
      x: MARGIN,
      y: boxY,
      width: Math.min(THUMBNAIL.width - 2 * MARGIN, Math.ceil(textWidth) + 2 * PADDING + ACCENT),
      height: boxHeight,
    },
    text: { x: MARGIN + ACCENT + PADDING, y: boxY + PADDING },
  }
}

export interface ThumbnailPlan {
  /** a still or a video frame, or a gradient drawn here (generated visuals carry big keyword text) */
  background: { kind: 'frame'; inputPath: string; atS: number } | { kind: 'gradient'; c0: string; c1: string }
  layout: ThumbnailLayout
  /** file holding layout.lines (drawtext reads it, so no escaping is needed) */
  titleFile: string
  fontFile: string
  outputPath: string
}

export function thumbnailArgs(p: ThumbnailPlan): string[] {
  const { width, height } = THUMBNAIL
  const { layout: l } = p
  const input =
    p.background.kind === 'frame'
      ? ['-ss', p.background.atS.toFixed(3), '-i', p.background.inputPath]
      : [
          '-f',
          'lavfi',
          '-i',
          // A fixed seed: the same video always gets the same thumbnail (gradients is random otherwise).
          `gradients=s=${width}x${height}:c0=${p.background.c0}:c1=${p.background.c1}:x0=0:y0=0:x1=${width}:y1=${height}:n=2:speed=0.00001:r=1:seed=1`,
        ]
  const filters = [
    `scale=${width}:${height}:force_original_aspect_ratio=increase`,
    `crop=${width}:${height}`,
    // A busy frame must not compete with the title.
    'drawbox=x=0:y=0:w=iw:h=ih:color=black@0.28:t=fill',
    `drawbox=x=${l.box.x}:y=${l.box.y}:w=${l.box.width}:h=${l.box.height}:color=0x0b0b0f@0.82:t=fill`,
    `drawbox=x=${l.box.x}:y=${l.box.y}:w=${ACCENT}:h=${l.box.height}:color=0xffcc00@1:t=fill`,
    `drawtext=fontfile=${p.fontFile}:textfile=${p.titleFile}:fontsize=${l.fontSize}:fontcolor=white:` +
      `borderw=${Math.max(2, Math.round(l.fontSize / 24))}:bordercolor=black:line_spacing=${l.lineSpacing}:x=${l.text.x}:y=${l.text.y}`,
  ]
  return [...FFMPEG_QUIET, ...input, '-frames:v', '1', '-vf', filters.join(','), '-q:v', '3', p.outputPath]
}
