// Offline default: espeak-ng. It has no word-timing output on its CLI; the stage estimates timings
// from espeak's own phonemes and the pauses measured in the audio (see word-timing.ts).
import { InvalidInputError } from '../errors'
import type { SceneSpeech, SceneSpeechRequest, VoiceProvider } from './voice'

/** espeak-ng voice names for common language tags; anything else is passed through. */
const ESPEAK_VOICES: Record<string, string> = {
  en: 'en-us',
  'en-us': 'en-us',
  'en-gb': 'en-gb',
  de: 'de',
  fr: 'fr-fr',
  es: 'es',
  it: 'it',
  pt: 'pt-br',
  nl: 'nl',
  pl: 'pl',
}

export function espeakVoiceFor(language: string, override?: string): string {
  if (override) return override
  const tag = language.toLowerCase()
  return ESPEAK_VOICES[tag] ?? ESPEAK_VOICES[tag.split('-')[0]!] ?? tag
}

export class EspeakVoice implements VoiceProvider {
  readonly name = 'espeak' as const
  readonly priceKey = 'espeak'

  constructor(
    private readonly defaultVoice: string,
    private readonly wordsPerMinute = 165,
  ) {}

  async speakScene(req: SceneSpeechRequest): Promise<SceneSpeech> {
    const path = `${req.basePath}.wav`
    const voice = espeakVoiceFor(req.language, req.voiceId || this.defaultVoice || undefined)
    if (!/^[\w+-]+$/.test(voice)) throw new InvalidInputError(`invalid espeak voice ${voice}`)
    const proc = Bun.spawn(['espeak-ng', '-v', voice, '-s', String(this.wordsPerMinute), '-w', path, '--stdin'], {
      stdin: new TextEncoder().encode(req.text),
      stdout: 'ignore',
      stderr: 'pipe',
    })
    const onAbort = () => proc.kill('SIGKILL')
    req.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited])
      req.signal.throwIfAborted()
      if (code !== 0) throw new Error(`espeak-ng exited ${code}: ${stderr.trim()}`)
    } finally {
      req.signal.removeEventListener('abort', onAbort)
    }
    return { path, words: null, characters: req.text.length }
  }
}
