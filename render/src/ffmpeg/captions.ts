// Word-level captions as an ASS file for libass: a few words at a time, the spoken word coloured.
import type { Aspect, CaptionStyle } from '@ytempire/contract'

export interface WordTiming {
  word: string
  /** seconds on the narration timeline */
  start: number
  end: number
  scene: number
}

export interface CaptionOptions {
  width: number
  height: number
  aspect: Aspect
  style: Exclude<CaptionStyle, 'none'>
  fontName?: string
}

const WORDS_PER_LINE: Record<Aspect, number> = { '16:9': 6, '1:1': 4, '9:16': 3 }
/** ASS colours are &HAABBGGRR: white text, yellow active word, black outline. */
const WHITE = '&H00FFFFFF'
const HIGHLIGHT_OVERRIDE = '{\\c&H00E5FF&}'
const BLACK = '&H00000000'
const SHADOW = '&H80000000'

function assTime(cs: number): string {
  const h = Math.floor(cs / 360000)
  const m = Math.floor((cs % 360000) / 6000)
  const s = Math.floor((cs % 6000) / 100)
  const c = cs % 100
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(c).padStart(2, '0')}`
}

/** Caption text is plain text to libass: braces open override blocks, backslashes escape. */
function plain(word: string): string {
  return word.replace(/[{}]/g, '').replace(/\\/g, '/')
}

/** Groups words into caption lines: a new line at a scene change, after a sentence end, or when full. */
export function captionLines(words: WordTiming[], perLine: number): WordTiming[][] {
  const lines: WordTiming[][] = []
  let current: WordTiming[] = []
  for (const w of words) {
    if (current.length > 0 && (current.length >= perLine || w.scene !== current[0]!.scene)) {
      lines.push(current)
      current = []
    }
    current.push(w)
    if (/[.!?;:]["')\]]*$/.test(w.word)) {
      lines.push(current)
      current = []
    }
  }
  if (current.length) lines.push(current)
  return lines
}

export function buildAss(words: WordTiming[], opts: CaptionOptions): string {
  const { width, height, aspect } = opts
  const base = Math.min(width, height)
  const fontSize = Math.round(base * (aspect === '16:9' ? 0.062 : 0.078))
  const marginV = Math.round(height * (aspect === '9:16' ? 0.22 : 0.08))
  const marginH = Math.round(width * 0.06)
  const outline = Math.max(2, Math.round(fontSize * 0.07))
  const font = opts.fontName ?? 'DejaVu Sans'

  const header = [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: Caption,${font},${fontSize},${WHITE},${WHITE},${BLACK},${SHADOW},-1,0,0,0,100,100,0,0,1,${outline},${Math.round(outline / 2)},2,${marginH},${marginH},${marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ]

  const lines = captionLines(words, WORDS_PER_LINE[aspect])
  const events: string[] = []
  const cs = (s: number) => Math.max(0, Math.round(s * 100))
  lines.forEach((line, li) => {
    const next = lines[li + 1]
    const lineStart = cs(line[0]!.start)
    const lastEnd = cs(line[line.length - 1]!.end)
    // Hold the line until the next one starts when the gap is short, so captions do not flicker.
    const lineEnd = next && cs(next[0]!.start) - lastEnd < 60 ? cs(next[0]!.start) : lastEnd + 20
    if (opts.style === 'plain') {
      if (lineEnd > lineStart)
        events.push(`Dialogue: 0,${assTime(lineStart)},${assTime(lineEnd)},Caption,,0,0,0,,${line.map((w) => plain(w.word)).join(' ')}`)
      return
    }
    line.forEach((w, wi) => {
      const start = wi === 0 ? lineStart : cs(w.start)
      const end = wi === line.length - 1 ? lineEnd : cs(line[wi + 1]!.start)
      if (end <= start) return
      const text = line.map((x, xi) => (xi === wi ? `${HIGHLIGHT_OVERRIDE}${plain(x.word)}{\\r}` : plain(x.word))).join(' ')
      events.push(`Dialogue: 0,${assTime(start)},${assTime(end)},Caption,,0,0,0,,${text}`)
    })
  })
  return [...header, ...events, ''].join('\n')
}
