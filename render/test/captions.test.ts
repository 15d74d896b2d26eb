import { describe, expect, test } from 'bun:test'
import { buildAss, captionLines, type WordTiming } from '../src/ffmpeg/captions'
import { wordsFromAlignment } from '../src/voice/elevenlabs'
import { distributeWords } from '../src/voice/word-timing'

const words: WordTiming[] = ['Bees', 'know', 'faces.', 'They', 'remember', 'them', 'for', 'days', 'and', 'days'].map((word, i) => ({
  word,
  start: i * 0.5,
  end: i * 0.5 + 0.4,
  scene: i < 3 ? 0 : 1,
}))

describe('captions', () => {
  test('lines break at sentence ends, scene changes and the per-line limit', () => {
    const lines = captionLines(words, 4).map((l) => l.map((w) => w.word).join(' '))
    expect(lines).toEqual(['Bees know faces.', 'They remember them for', 'days and days'])
  })

  test('one event per word with the active word coloured, timed to the word', () => {
    const ass = buildAss(words, { width: 1920, height: 1080, aspect: '16:9', style: 'highlight' })
    expect(ass).toContain('PlayResX: 1920')
    const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'))
    expect(events.length).toBe(words.length)
    expect(events[1]).toBe('Dialogue: 0,0:00:00.50,0:00:01.00,Caption,,0,0,0,,Bees {\\c&H00E5FF&}know{\\r} faces.')
    expect(events[3]).toContain('{\\c&H00E5FF&}They{\\r} remember')
  })

  test('plain style: one event per line, no colour override', () => {
    const ass = buildAss(words, { width: 1080, height: 1920, aspect: '9:16', style: 'plain' })
    const events = ass.split('\n').filter((l) => l.startsWith('Dialogue:'))
    expect(events.every((e) => !e.includes('\\c&'))).toBe(true)
    expect(events.length).toBe(4)
  })

  test('braces in narration cannot inject ASS overrides', () => {
    const ass = buildAss([{ word: '{\\fs200}big', start: 0, end: 1, scene: 0 }], {
      width: 640,
      height: 360,
      aspect: '16:9',
      style: 'plain',
    })
    expect(ass).not.toContain('{\\fs200}')
  })
})

describe('word timings', () => {
  test('pauses measured in the audio anchor clause boundaries', () => {
    const tokens = ['Hello', 'there,', 'general', 'Kenobi.']
    const out = distributeWords(
      tokens,
      [4, 4, 6, 6],
      [
        { start: 1.0, end: 1.3 },
        { start: 3.0, end: 3.5 },
      ],
      3.5,
    )
    expect(out[1]!.end).toBeCloseTo(1.0, 5)
    expect(out[2]!.start).toBeCloseTo(1.3, 5)
    expect(out[3]!.end).toBeCloseTo(3.0, 5)
    // Within a clause, time splits by phoneme weight.
    expect(out[0]!.end - out[0]!.start).toBeCloseTo(0.5, 5)
  })

  test('without matching pauses, words still cover the speech in order', () => {
    const out = distributeWords(['a', 'b,', 'c'], [1, 1, 1], [], 3)
    expect(out[0]!.start).toBe(0)
    expect(out[2]!.end).toBeCloseTo(3, 5)
    expect(out[1]!.end - out[1]!.start).toBeGreaterThan(out[0]!.end - out[0]!.start)
  })

  test('ElevenLabs character alignment becomes words', () => {
    const text = 'Hi you.'
    const words = wordsFromAlignment({
      characters: [...text],
      character_start_times_seconds: [...text].map((_, i) => i * 0.1),
      character_end_times_seconds: [...text].map((_, i) => i * 0.1 + 0.1),
    })
    expect(words).toEqual([
      { word: 'Hi', start: 0, end: 0.2 },
      { word: 'you.', start: 0.30000000000000004, end: 0.7000000000000001 },
    ])
  })
})
