// Voice providers: speak one scene's narration into a local audio file, with word timings when the API gives them.
export interface SpokenWord {
  word: string
  /** seconds from the start of this scene's audio */
  start: number
  end: number
}

export interface SceneSpeechRequest {
  text: string
  language: string
  voiceId?: string
  /** output file path without extension; the provider picks the extension */
  basePath: string
  signal: AbortSignal
}

export interface SceneSpeech {
  path: string
  /** measured by the provider (ElevenLabs alignment); null = the stage estimates them from the audio */
  words: SpokenWord[] | null
  /** billed characters */
  characters: number
}

export interface VoiceProvider {
  readonly name: 'espeak' | 'openai' | 'elevenlabs'
  /** model or voice identifier used for pricing */
  readonly priceKey: string
  speakScene(req: SceneSpeechRequest): Promise<SceneSpeech>
}
