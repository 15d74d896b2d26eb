// The video resource for videos.insert: the script's words within YouTube's limits, the channel's
// settings, and every status question answered (an unanswered made-for-kids stalls an upload).
import { type PublishSettings, type VideoScript, YOUTUBE_LIMITS } from '@ytempire/contract'
import { InvalidInputError } from '../errors'

export interface VideoResource {
  snippet: {
    title: string
    description: string
    tags: string[]
    categoryId: string
    defaultLanguage: string
    defaultAudioLanguage: string
  }
  status: {
    privacyStatus: 'private' | 'unlisted' | 'public'
    publishAt?: string
    selfDeclaredMadeForKids: boolean
    containsSyntheticMedia: boolean
    embeddable: boolean
    license: 'youtube'
  }
}

/** YouTube refuses `<` and `>` anywhere in a title, description or tag. */
const refused = /[<>]/g
const clean = (s: string) => s.replace(refused, '')

/** At most `max` characters (code points), cut at a word where one is near. */
export function fitTitle(raw: string): string {
  const chars = [...clean(raw).replace(/\s+/g, ' ').trim()]
  if (chars.length <= YOUTUBE_LIMITS.titleChars) return chars.join('')
  const cut = chars.slice(0, YOUTUBE_LIMITS.titleChars - 1).join('')
  const atWord = cut.replace(/\s+\S*$/, '')
  return `${atWord.length >= YOUTUBE_LIMITS.titleChars * 0.6 ? atWord : cut}…`
}

/** At most 5,000 bytes of UTF-8, never splitting a character. */
export function fitDescription(raw: string): string {
  const text = clean(raw).trim()
  const encoder = new TextEncoder()
  if (encoder.encode(text).length <= YOUTUBE_LIMITS.descriptionBytes) return text
  let bytes = 0
  let out = ''
  for (const ch of text) {
    const n = encoder.encode(ch).length
    if (bytes + n > YOUTUBE_LIMITS.descriptionBytes) break
    bytes += n
    out += ch
  }
  return out
}

/**
 * Tags within 500 characters in all, counted as YouTube counts them: the commas between tags, and
 * two quotes around a tag that has a space. Later tags are dropped rather than cut.
 */
export function fitTags(raw: string[]): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  let used = 0
  for (const t of raw) {
    const tag = clean(t).replace(/,/g, ' ').replace(/\s+/g, ' ').trim()
    if (!tag || seen.has(tag.toLowerCase())) continue
    const cost = tag.length + (tag.includes(' ') ? 2 : 0) + (out.length ? 1 : 0)
    if (used + cost > YOUTUBE_LIMITS.tagsChars) continue
    used += cost
    seen.add(tag.toLowerCase())
    out.push(tag)
  }
  return out
}

export function videoResource(script: VideoScript, settings: PublishSettings, titleOverride?: string): VideoResource {
  if (settings.publishAt && settings.privacy !== 'private')
    throw new InvalidInputError(`publishAt needs privacy "private" (YouTube schedules only private videos), got "${settings.privacy}"`)
  const title = fitTitle(titleOverride?.trim() || script.title)
  if (!title) throw new InvalidInputError('the video has no title left once the characters YouTube refuses are removed')
  return {
    snippet: {
      title,
      description: fitDescription(script.description),
      tags: fitTags(script.tags),
      categoryId: settings.categoryId,
      defaultLanguage: settings.language,
      defaultAudioLanguage: settings.language,
    },
    status: {
      privacyStatus: settings.privacy,
      ...(settings.publishAt ? { publishAt: settings.publishAt } : {}),
      selfDeclaredMadeForKids: settings.madeForKids,
      containsSyntheticMedia: settings.containsSyntheticMedia,
      embeddable: true,
      license: 'youtube',
    },
  }
}
