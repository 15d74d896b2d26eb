// A script typed as plain text becomes scenes with keywords, deterministically and without an LLM:
// paragraphs are scenes, long paragraphs are cut between sentences, too many scenes are merged, and each
// scene's keywords are its most salient noun-like words (stop-words out; the subject the script keeps
// coming back to first, then what this scene adds, since stock search joins them into one query).

export const PLAIN_SCRIPT_MAX_CHARS = 20_000
// The Scene and Script limits of the video model (model.ts), which every result stays within.
export const LIMITS = { scenes: 60, narration: 2000, keywords: 8, keywordChars: 60, title: 100, description: 5000, tags: 30 } as const
// About two spoken sentences: one background per scene changes every 10-15 seconds.
const TARGET_SCENE_CHARS = 240
const KEYWORDS_PER_SCENE = 3
const TAGS = 10

export interface PlainScript {
  title: string
  description: string
  tags: string[]
  scenes: { narration: string; keywords: string[] }[]
}

export class PlainScriptError extends Error {}

export function scriptFromText(text: string, opts: { title?: string } = {}): PlainScript {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => WORD.test(p))
  if (paragraphs.length === 0) throw new PlainScriptError('The script has no words to narrate')

  const scenes = mergeToFit(paragraphs.flatMap((p) => packSentences(sentencesOf(p))))
  const words = scenes.map(wordsOf)
  const keywords = words.map((w) => rank(w, words).slice(0, KEYWORDS_PER_SCENE))
  const overall = rank(words.flat(), words)
  const firstSentence = sentencesOf(paragraphs[0]!)[0]!
  return {
    title: clip(opts.title?.trim() || firstSentence.replace(/[.!?…:;,]+$/, ''), LIMITS.title),
    description: clip(paragraphs.join('\n\n'), LIMITS.description),
    tags: overall.slice(0, TAGS),
    scenes: scenes.map((narration, i) => ({
      narration,
      keywords: keywords[i]!.length ? keywords[i]! : overall.length ? [overall[0]!] : [fallbackKeyword(narration)],
    })),
  }
}

const WORD = /[\p{L}\p{N}]/u

/** Sentences end at . ! ? … followed by a space; a sentence longer than a scene is cut at commas, then words. */
function sentencesOf(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?…]["'”’)\]]?)\s+/u)
    .flatMap((s) => (s.length <= LIMITS.narration ? [s] : cutLong(s)))
    .filter((s) => s.length > 0)
}

function cutLong(sentence: string): string[] {
  const out: string[] = []
  let rest = sentence
  while (rest.length > LIMITS.narration) {
    const window = rest.slice(0, LIMITS.narration)
    const at = Math.max(window.lastIndexOf(', '), window.lastIndexOf(' '))
    const cut = at > LIMITS.narration / 2 ? at + 1 : LIMITS.narration
    out.push(rest.slice(0, cut).trim())
    rest = rest.slice(cut).trim()
  }
  if (rest) out.push(rest)
  return out
}

/** Sentences of one paragraph, packed into scenes of about TARGET_SCENE_CHARS. */
function packSentences(sentences: string[]): string[] {
  const total = sentences.reduce((n, s) => n + s.length + 1, 0)
  if (total <= TARGET_SCENE_CHARS * 1.5) return [sentences.join(' ')]
  const scenes: string[] = []
  let current = ''
  for (const s of sentences) {
    if (current && current.length + 1 + s.length > TARGET_SCENE_CHARS) {
      scenes.push(current)
      current = s
    } else current = current ? `${current} ${s}` : s
  }
  if (current) scenes.push(current)
  return scenes
}

/** Merges the shortest neighbouring pair until the scene limit holds (always possible within the text limit). */
function mergeToFit(scenes: string[]): string[] {
  const out = [...scenes]
  while (out.length > LIMITS.scenes) {
    let best = 0
    for (let i = 1; i < out.length - 1; i++) if (out[i]!.length + out[i + 1]!.length < out[best]!.length + out[best + 1]!.length) best = i
    out.splice(best, 2, `${out[best]} ${out[best + 1]}`)
  }
  return out
}

interface Word {
  key: string
  /** Capitalised away from the start of a sentence: a name, which makes a good search term. */
  proper: boolean
  /** What the word before says: after "the", "with", "three" a noun is likely; after "it", "they" a verb. */
  role: 'noun' | 'verb' | undefined
}

function wordsOf(narration: string): Word[] {
  const out: Word[] = []
  for (const sentence of narration.split(/(?<=[.!?…])\s+/u)) {
    const tokens = sentence.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []
    tokens.forEach((token, i) => {
      const key = token.toLowerCase().replace(/['’](s|d|ll|re|ve|t)?$/u, '')
      if (key.length < 3 || STOP_WORDS.has(key) || /^\p{N}+$/u.test(key)) return
      const before = tokens[i - 1]?.toLowerCase() ?? ''
      const role = BEFORE_NOUNS.has(before) || /^\p{N}+$/u.test(before) ? 'noun' : BEFORE_VERBS.has(before) ? 'verb' : undefined
      out.push({ key: key.slice(0, LIMITS.keywordChars), proper: i > 0 && /^\p{Lu}/u.test(token), role })
    })
  }
  return out
}

const BEFORE_NOUNS = new Set(
  `a an the this that these those its his her their our your my some many several few every each no two three four five six seven
  eight nine ten hundreds thousands millions of in on at with without from into onto through across under over about for by
  between among against toward towards`.split(/\s+/),
)
const BEFORE_VERBS = new Set('i you he she it we they who which that can could will would should may might must to'.split(' '))

const NOUN_ENDINGS = /(tion|sion|ment|ness|ity|ism|ist|ure|ance|ence|age|ship|hood|dom|ery|logy)$/
const NOT_NOUN_ENDINGS = /(ly|ing|ed|ous|ive|ful|less|able|ible)$/

/** Words of one scene by salience: frequent here, recurring in the script, noun-like, longer; ties keep text order. */
function rank(words: Word[], allScenes: Word[][]): string[] {
  const stats = new Map<string, { count: number; first: number; proper: boolean; noun: number; verb: number }>()
  words.forEach((w, i) => {
    const s = stats.get(w.key) ?? { count: 0, first: i, proper: false, noun: 0, verb: 0 }
    s.count++
    s.proper ||= w.proper
    if (w.role) s[w.role]++
    stats.set(w.key, s)
  })
  const scenesWith = (key: string) => allScenes.filter((scene) => scene.some((w) => w.key === key)).length
  const scored = [...stats].map(([key, s]) => {
    let score = s.count * (1 + 0.3 * Math.min(scenesWith(key) - 1, 3))
    if (s.proper) score *= 1.6
    if (s.noun > s.verb) score *= 1.4
    else if (s.verb > s.noun) score *= 0.5
    if (NOUN_ENDINGS.test(key)) score *= 1.3
    else if (NOT_NOUN_ENDINGS.test(key)) score *= 0.6
    score *= 1 + Math.min(key.length, 10) / 20
    return { key, score, first: s.first }
  })
  return scored.sort((a, b) => b.score - a.score || a.first - b.first).map((s) => s.key)
}

function fallbackKeyword(narration: string): string {
  const longest = (narration.match(/[\p{L}\p{N}]+/gu) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '')
  return clip(longest.toLowerCase(), LIMITS.keywordChars) || 'abstract'
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
}

// Common English function words and fillers: never a search term for a picture.
const STOP_WORDS = new Set(
  `a about above after again against all almost also although always am among an and another any anyone anything are around as at
  away back be became because become becomes been before being below between both but by came can cannot could did do does doing
  done down during each either else enough even ever every everyone everything few find first for found from further get gets
  getting give given go goes going gone got had has have having he her here hers herself him himself his how however i if in into
  is it its itself just keep know known last least less let like likely made make makes many may maybe me might more most much
  must my myself near need never new next no none nor not nothing now of off often on once one only onto or other others our ours
  ourselves out over own part per perhaps put quite rather really right said same say says see seem seems seen several shall she
  should show since so some someone something sometimes still such take than that the their theirs them themselves then there
  these they thing things think this those though three through thus till to today together too took toward two under until up
  instead indeed
  upon us use used uses using very via want was way ways we well went were what whatever when where whether which while who whole
  whom whose why will with within without would yet you your yours yourself yourselves let's it's that's there's here's what's
  don't doesn't didn't isn't aren't wasn't weren't won't can't couldn't shouldn't wouldn't`.split(/\s+/),
)
