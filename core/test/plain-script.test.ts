import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { Script } from '../src/modules/videos/model'
import { LIMITS, PLAIN_SCRIPT_MAX_CHARS, PlainScriptError, scriptFromText } from '../src/modules/videos/plain-script'

const OCTOPUS = `Meet the octopus, an animal so strange that it almost seems to come from another planet.

An octopus has three hearts. Two of them pump blood through the gills, and a third one pushes it around the body.

Its blood is blue, not red. It carries oxygen with copper instead of iron, which works better in cold, deep water.`

describe('plain-text scripts', () => {
  test('each paragraph becomes a scene, narration kept word for word', () => {
    const s = scriptFromText(OCTOPUS)
    expect(s.scenes.map((x) => x.narration)).toEqual(OCTOPUS.split('\n\n'))
    expect(Value.Check(Script, s)).toBe(true)
  })

  test('keywords: stop-words out, the script’s subject and what each scene adds, deterministic', () => {
    const s = scriptFromText(OCTOPUS)
    const [first, second, third] = s.scenes.map((x) => x.keywords)
    expect(first![0]).toBe('octopus')
    expect(second).toEqual(expect.arrayContaining(['octopus', 'hearts']))
    expect(third).toContain('copper')
    for (const scene of s.scenes) {
      expect(scene.keywords.length).toBeGreaterThanOrEqual(1)
      expect(scene.keywords.length).toBeLessThanOrEqual(3)
      for (const k of scene.keywords) expect(['the', 'and', 'with', 'which', 'it', 'its', 'than']).not.toContain(k)
    }
    expect(scriptFromText(OCTOPUS)).toEqual(s)
  })

  test('a repeated proper name outranks common words', () => {
    const s = scriptFromText('In 1969 the crew of Apollo landed. Apollo carried three people and a small rover.')
    expect(s.scenes[0]!.keywords[0]).toBe('apollo')
  })

  test('title: given, else the first sentence; description and tags from the text', () => {
    expect(scriptFromText(OCTOPUS, { title: 'Octopus facts' }).title).toBe('Octopus facts')
    const s = scriptFromText(OCTOPUS)
    expect(s.title).toBe('Meet the octopus, an animal so strange that it almost seems to come from another planet')
    expect(s.description.startsWith('Meet the octopus')).toBe(true)
    expect(s.tags).toContain('octopus')
  })

  test('a long paragraph is cut between sentences into scenes of a few sentences', () => {
    const sentence = (i: number) => `Fact number ${i} is about the ocean floor and its strange creatures.`
    const paragraph = Array.from({ length: 30 }, (_, i) => sentence(i)).join(' ')
    const s = scriptFromText(paragraph)
    expect(s.scenes.length).toBeGreaterThan(5)
    for (const scene of s.scenes) {
      expect(scene.narration.length).toBeLessThanOrEqual(300)
      expect(scene.narration.endsWith('.')).toBe(true)
    }
    expect(s.scenes.map((x) => x.narration).join(' ')).toBe(paragraph)
  })

  test('the longest text allowed stays within every Scene and Script limit', () => {
    const words = 'whales sing songs that travel across entire oceans for hundreds of kilometres'.split(' ')
    let text = ''
    for (let i = 0; text.length < PLAIN_SCRIPT_MAX_CHARS - 200; i++) text += `${words[i % words.length]}${i % 9 === 8 ? '.\n\n' : ' '}`
    const s = scriptFromText(text.slice(0, PLAIN_SCRIPT_MAX_CHARS))
    expect(s.scenes.length).toBeLessThanOrEqual(LIMITS.scenes)
    expect(Value.Check(Script, s)).toBe(true)
  })

  test('one sentence longer than a scene may be is cut at a comma or a space', () => {
    const s = scriptFromText(`${'word, '.repeat(500)}end.`)
    expect(Value.Check(Script, s)).toBe(true)
    expect(s.scenes.length).toBeGreaterThan(1)
  })

  test('text with no words is refused', () => {
    expect(() => scriptFromText('  ...\n\n!!! ')).toThrow(PlainScriptError)
  })
})
