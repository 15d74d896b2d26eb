// OpenAI TTS through the SDK (audio.speech). It returns no timings: the stage estimates word timings
// from measured pauses and phoneme counts (word-timing.ts).
import type OpenAI from 'openai'
import { sdkFailure } from '../errors'
import type { SceneSpeech, SceneSpeechRequest, VoiceProvider } from './voice'

export class OpenAIVoice implements VoiceProvider {
  readonly name = 'openai' as const
  readonly priceKey: string

  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
    private readonly defaultVoice: string,
  ) {
    this.priceKey = `openai:${model}`
  }

  async speakScene(req: SceneSpeechRequest): Promise<SceneSpeech> {
    const res = await this.client.audio.speech
      .create(
        { model: this.model, voice: req.voiceId || this.defaultVoice, input: req.text, response_format: 'wav' },
        { signal: req.signal },
      )
      .catch((err) => {
        throw sdkFailure('openai', err)
      })
    const path = `${req.basePath}.wav`
    await Bun.write(path, await res.arrayBuffer())
    return { path, words: null, characters: req.text.length }
  }
}
