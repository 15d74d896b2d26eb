// The video resource sent with videos.insert stays within YouTube's limits (a longer title, description
// or tag list is refused by YouTube with a 400 after the whole file has been sent), keeps whole
// characters and words, and answers every status question.
import { describe, expect, test } from 'bun:test'
import { type PublishSettings, YOUTUBE_LIMITS } from '@ytempire/contract'
import { fitDescription, fitTags, fitTitle, videoResource } from '../src/publish/metadata'

const settings: PublishSettings = {
  privacy: 'private',
  publishAt: null,
  categoryId: '27',
  madeForKids: false,
  containsSyntheticMedia: true,
  language: 'en',
}
const bytes = (s: string) => new TextEncoder().encode(s).length
/** The length of a tag list as YouTube counts it: commas between tags, quotes around a tag with a space. */
const tagsLength = (tags: string[]) => tags.reduce((n, t, i) => n + t.length + (t.includes(' ') ? 2 : 0) + (i ? 1 : 0), 0)

describe('titles', () => {
  test('a long title is cut at a word, within 100 characters, and says it was cut', () => {
    const title = fitTitle(`${'Octopuses are remarkable animals '.repeat(5)}indeed`)
    expect([...title].length).toBeLessThanOrEqual(YOUTUBE_LIMITS.titleChars)
    expect(title).toEndWith('animals…')
  })

  test('characters, not UTF-16 units, are counted: emoji are never split', () => {
    const title = fitTitle('🐙'.repeat(150))
    expect([...title]).toHaveLength(YOUTUBE_LIMITS.titleChars)
    expect(title).not.toContain('\uFFFD')
    expect([...title].slice(0, -1).every((c) => c === '🐙')).toBe(true)
  })

  test('< and > are removed, and a title of nothing else is refused', () => {
    expect(fitTitle('Five <Odd> Facts')).toBe('Five Odd Facts')
    expect(() => videoResource({ title: '<<>>', description: '', tags: [], scenes: [] }, settings)).toThrow('no title left')
  })
})

describe('descriptions and tags', () => {
  test('a description is cut to 5,000 bytes of UTF-8 without splitting a character', () => {
    const description = fitDescription('é'.repeat(3000)) // 2 bytes each: 6,000 bytes
    expect(bytes(description)).toBe(YOUTUBE_LIMITS.descriptionBytes)
    const mixed = fitDescription(`a${'€'.repeat(2000)}`) // 1 + 3 bytes each
    expect(bytes(mixed)).toBeLessThanOrEqual(YOUTUBE_LIMITS.descriptionBytes)
    expect(bytes(mixed)).toBeGreaterThan(YOUTUBE_LIMITS.descriptionBytes - 3)
  })

  test('tags fit 500 characters as YouTube counts them; duplicates, commas and refused characters go', () => {
    const many = Array.from({ length: 80 }, (_, i) => `sea creature ${i}`)
    const tags = fitTags(['Octopus', 'octopus', 'ink, jets', '<deep>', ...many])
    expect(tags.slice(0, 3)).toEqual(['Octopus', 'ink jets', 'deep'])
    expect(tagsLength(tags)).toBeLessThanOrEqual(YOUTUBE_LIMITS.tagsChars)
    // Later tags are dropped whole, not cut.
    expect(tags.every((t) => t === 'Octopus' || t === 'ink jets' || t === 'deep' || /^sea creature \d+$/.test(t))).toBe(true)
    expect(tags.length).toBeLessThan(many.length)
  })
})

describe('the resource', () => {
  test('every status question is answered, and publishAt goes only with private', () => {
    const script = { title: 'Octopus facts', description: 'Three hearts.', tags: ['octopus'], scenes: [] }
    const at = '2030-01-01T12:00:00.000Z'
    const r = videoResource(script, { ...settings, publishAt: at })
    expect(r.status).toEqual({
      privacyStatus: 'private',
      publishAt: at,
      selfDeclaredMadeForKids: false,
      containsSyntheticMedia: true,
      embeddable: true,
      license: 'youtube',
    })
    expect(r.snippet).toMatchObject({ title: 'Octopus facts', categoryId: '27', defaultLanguage: 'en', defaultAudioLanguage: 'en' })
    expect(() => videoResource(script, { ...settings, privacy: 'public', publishAt: at })).toThrow('publishAt needs privacy "private"')
  })
})
