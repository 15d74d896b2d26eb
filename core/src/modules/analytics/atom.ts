// YouTube's push notifications are Atom feeds: an <entry> with yt:videoId and yt:channelId when a
// video is published or its title or description changes, an <at:deleted-entry ref="yt:video:ID">
// when it is deleted. Parsed without entity expansion or DTDs (the body is untrusted until its
// signature is checked, and parsed only after that).
import { XMLParser } from 'fast-xml-parser'

export interface AtomVideoEntry {
  youtubeVideoId: string
  youtubeChannelId: string
  title: string
  publishedAt: string | null
  updatedAt: string | null
}

export interface AtomDeletedEntry {
  youtubeVideoId: string
  /** from <at:by><uri>.../channel/ID</uri>, when present */
  youtubeChannelId: string | null
  deletedAt: string | null
}

export interface AtomNotification {
  /** <link rel="self">: the topic the feed belongs to */
  topic: string | null
  entries: AtomVideoEntry[]
  deleted: AtomDeletedEntry[]
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Namespace prefixes are dropped: yt:videoId -> videoId, at:deleted-entry -> deleted-entry.
  removeNSPrefix: true,
  processEntities: false,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['entry', 'deleted-entry', 'link'].includes(name),
})

type Node = Record<string, unknown>
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
/** XML's five predefined entities and character references; nothing a DTD could define. */
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    if (e[0] !== '#') return PREDEFINED[e.toLowerCase()] ?? m
    const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m
  })
const text = (v: unknown): string | null =>
  typeof v === 'string' ? decode(v) : typeof v === 'object' && v && '#text' in v ? decode(String((v as Node)['#text'])) : null
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : [])

export class AtomError extends Error {
  override name = 'AtomError'
}

export function parseAtom(xml: string): AtomNotification {
  let doc: Node
  try {
    doc = parser.parse(xml, true) as Node
  } catch (err) {
    throw new AtomError(`not well-formed XML: ${(err as Error).message}`)
  }
  const feed = doc.feed as Node | undefined
  if (!feed || typeof feed !== 'object') throw new AtomError('not an Atom feed (no <feed> element)')
  const self = list(feed.link).find((l) => l['@rel'] === 'self')
  const entries = list(feed.entry).flatMap((e): AtomVideoEntry[] => {
    const youtubeVideoId = text(e.videoId)
    const youtubeChannelId = text(e.channelId)
    if (!youtubeVideoId || !youtubeChannelId) return []
    return [
      {
        youtubeVideoId,
        youtubeChannelId,
        title: text(e.title) ?? youtubeVideoId,
        publishedAt: validDate(text(e.published)),
        updatedAt: validDate(text(e.updated)),
      },
    ]
  })
  const deleted = list(feed['deleted-entry']).flatMap((d): AtomDeletedEntry[] => {
    const ref = typeof d['@ref'] === 'string' ? d['@ref'] : ''
    const m = /^yt:video:(.+)$/.exec(ref)
    if (!m) return []
    const by = d.by as Node | undefined
    const uri = text(by?.uri) ?? ''
    return [
      {
        youtubeVideoId: m[1]!,
        youtubeChannelId: /\/channel\/([^/?#]+)/.exec(uri)?.[1] ?? null,
        deletedAt: validDate(typeof d['@when'] === 'string' ? d['@when'] : null),
      },
    ]
  })
  return { topic: typeof self?.['@href'] === 'string' ? decode(self['@href']) : null, entries, deleted }
}

function validDate(v: string | null): string | null {
  if (!v) return null
  // YouTube writes nanoseconds (2015-03-09T19:05:24.552394234+00:00); Date takes milliseconds.
  const t = Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isNaN(t) ? null : new Date(t).toISOString()
}

/** The topic of a delivery from its `Link: <...>; rel="self"` header (WebSub 7.1). */
export function topicFromLinkHeader(header: string | null): string | null {
  if (!header) return null
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part)
    if (m && /\brel\s*=\s*"?self"?/i.test(m[2]!)) return m[1]!
  }
  return null
}
