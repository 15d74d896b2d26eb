// ElevenLabs: POST /v1/text-to-speech/{voice_id}/with-timestamps returns the audio and per-character
// times; words are the runs of non-space characters.
import { providerFailure } from '../errors'
import type { SceneSpeech, SceneSpeechRequest, SpokenWord, VoiceProvider } from './voice'

export interface ElevenLabsAlignment {
  characters: string[]
  character_start_times_seconds: number[]
  character_end_times_seconds: number[]
}

export function wordsFromAlignment(alignment: ElevenLabsAlignment): SpokenWord[] {
  const words: SpokenWord[] = []
  let current: SpokenWord | null = null
  alignment.characters.forEach((ch, i) => {
    const start = alignment.character_start_times_seconds[i] ?? 0
    const end = alignment.character_end_times_seconds[i] ?? start
    if (/\s/.test(ch)) {
      if (current) words.push(current)
      current = null
      return
    }
    if (!current) current = { word: ch, start, end }
    else {
      current.word += ch
      current.end = end
    }
  })
  if (current) words.push(current)
  return words.filter((w) => /[\p{L}\p{N}]/u.test(w.word))
}

export class ElevenLabsVoice implements VoiceProvider {
  readonly name = 'elevenlabs' as const
  readonly priceKey = 'elevenlabs'

  constructor(
    private readonly baseURL: string,
    private readonly apiKey: string,
    private readonly defaultVoiceId: string,
    private readonly modelId: string,
  ) {}

  async speakScene(req: SceneSpeechRequest): Promise<SceneSpeech> {
    const voiceId = encodeURIComponent(req.voiceId || this.defaultVoiceId)
    const res = await fetch(`${this.baseURL}/v1/text-to-speech/${voiceId}/with-timestamps?output_format=mp3_44100_128`, {
      method: 'POST',
      headers: { 'xi-api-key': this.apiKey, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ text: req.text, model_id: this.modelId }),
      signal: req.signal,
    })
    if (!res.ok) throw providerFailure('elevenlabs', res.status, await res.text())
    const body = (await res.json()) as { audio_base64: string; alignment: ElevenLabsAlignment | null }
    const path = `${req.basePath}.mp3`
    await Bun.write(path, Buffer.from(body.audio_base64, 'base64'))
    return { path, words: body.alignment ? wordsFromAlignment(body.alignment) : null, characters: req.text.length }
  }
}
