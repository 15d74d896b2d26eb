// Word timings for voices whose API gives none (espeak-ng, OpenAI TTS).
// Pauses are measured in the audio (silencedetect); each clause between pauses is split among its
// words by phoneme count (espeak-ng's own phonemiser, else letters). Typical error: under ~0.1 s at
// clause edges, ~0.15 s inside long clauses.
import { localInputsOnly } from '../ffmpeg/ffmpeg'
import { runTool } from '../ffmpeg/tool'
import type { SpokenWord } from './voice'

export interface Silence {
  start: number
  end: number
}

const CLAUSE_END = /[,.;:!?\u2014\u2026)]["'\u201d\u2019]*$/

/** Decoding one scene's speech takes well under a second; two minutes means something hangs. */
const SILENCE_TIMEOUT_S = 120
/** espeak-ng phonemising a scene's words: instant, or stuck. */
const PHONEME_TIMEOUT_S = 30

export async function detectSilences(path: string, signal?: AbortSignal, minSilenceS = 0.07): Promise<Silence[]> {
  const { stderr: log } = await runTool(
    [
      'ffmpeg',
      '-hide_banner',
      '-nostdin',
      ...localInputsOnly(['-i', path]),
      '-af',
      `silencedetect=n=-42dB:d=${minSilenceS}`,
      '-f',
      'null',
      '-',
    ],
    { signal, timeoutS: SILENCE_TIMEOUT_S },
  )
  const silences: Silence[] = []
  let open: number | null = null
  for (const m of log.matchAll(/silence_(start|end): (-?[\d.]+)/g)) {
    const t = Math.max(0, Number(m[2]))
    if (m[1] === 'start') open = t
    else if (open !== null) {
      silences.push({ start: open, end: t })
      open = null
    }
  }
  if (open !== null) silences.push({ start: open, end: Number.POSITIVE_INFINITY })
  return silences
}

/**
 * Phonemes per word from espeak-ng (`-q -x`, one input line per word gives one output line per word);
 * letters when espeak-ng fails. A cancel or the stage's end still stops it (the signal's reason is thrown).
 */
export async function phonemeWeights(words: string[], voice: string, signal?: AbortSignal): Promise<number[]> {
  const letters = words.map((w) => Math.max(1, w.replace(/[^\p{L}\p{N}]/gu, '').length))
  try {
    const { stdout: out } = await runTool(['espeak-ng', '-q', '-x', '-v', voice], {
      stdin: new TextEncoder().encode(`${words.map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, ' ').trim() || 'a').join('\n')}\n`),
      signal,
      timeoutS: PHONEME_TIMEOUT_S,
    })
    const lines = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
    if (lines.length !== words.length) return letters
    return lines.map((l) => Math.max(1, l.replace(/[',_:#@0-9\s-]/g, '').length))
  } catch (err) {
    if (signal?.aborted) throw err
    return letters
  }
}

/**
 * Spreads `words` over the audio. `weights` are per-word durations in any unit; `silences` come
 * from detectSilences on the same audio of length `durationS`.
 */
export function distributeWords(words: string[], weights: number[], silences: Silence[], durationS: number): SpokenWord[] {
  if (words.length === 0) return []
  const eps = 0.02
  let speechStart = 0
  let speechEnd = durationS
  const inner: Silence[] = []
  for (const s of silences) {
    if (s.start <= eps) speechStart = Math.min(s.end, durationS)
    else if (s.end >= durationS - eps) speechEnd = Math.max(speechStart, s.start)
    else inner.push(s)
  }
  // Clause boundaries in the text; the same number of pauses in the audio anchors them.
  const breaks: number[] = []
  words.forEach((w, i) => {
    if (i < words.length - 1 && CLAUSE_END.test(w)) breaks.push(i)
  })
  let segments: { from: number; to: number; start: number; end: number }[]
  if (inner.length > 0 && inner.length === breaks.length) {
    segments = []
    let from = 0
    let start = speechStart
    breaks.forEach((b, k) => {
      segments.push({ from, to: b, start, end: inner[k]!.start })
      from = b + 1
      start = inner[k]!.end
    })
    segments.push({ from, to: words.length - 1, start, end: speechEnd })
  } else {
    segments = [{ from: 0, to: words.length - 1, start: speechStart, end: speechEnd }]
  }

  const out: SpokenWord[] = []
  for (const seg of segments) {
    // Unanchored pauses still take time: give clause ends a little extra weight.
    const w = (i: number) => weights[i]! + (segments.length === 1 && breaks.includes(i) ? 3 : 0)
    let total = 0
    for (let i = seg.from; i <= seg.to; i++) total += w(i)
    let t = seg.start
    const span = Math.max(0, seg.end - seg.start)
    for (let i = seg.from; i <= seg.to; i++) {
      const d = total > 0 ? (span * w(i)) / total : span / (seg.to - seg.from + 1)
      out.push({ word: words[i]!, start: t, end: t + d })
      t += d
    }
  }
  return out
}

export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w))
}
