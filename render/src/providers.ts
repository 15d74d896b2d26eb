// The one place configuration picks provider implementations.

import type { VideoJob, VisualSource, VoiceProvider as VoiceProviderName } from '@ytempire/contract'
import { createStorage, type Storage } from '@ytempire/storage'
import OpenAI from 'openai'
import type { RenderConfig } from './config'
import { InvalidInputError } from './errors'
import { OpenAIScriptWriter } from './script/openai'
import type { ScriptWriter } from './script/script'
import { GeneratedVisuals } from './visuals/generated'
import { PexelsVisuals } from './visuals/pexels'
import { PixabayVisuals } from './visuals/pixabay'
import { UploadedVisuals } from './visuals/uploads'
import type { VisualProvider } from './visuals/visuals'
import { ElevenLabsVoice } from './voice/elevenlabs'
import { EspeakVoice } from './voice/espeak'
import { OpenAIVoice } from './voice/openai'
import type { VoiceProvider } from './voice/voice'

export interface Providers {
  storage: Storage
  /** null: no LLM configured, jobs must carry a script */
  scriptWriter: ScriptWriter | null
  voiceFor(video: VideoJob): VoiceProvider
  visualsFor(source: VisualSource): VisualProvider
  generated: GeneratedVisuals
}

export function createProviders(config: RenderConfig, storage: Storage = createStorage(config.storage)): Providers {
  const openai =
    config.llmEnabled || config.voiceProvider === 'openai'
      ? new OpenAI({ apiKey: config.openai.apiKey ?? 'unused', baseURL: config.openai.baseURL, maxRetries: 1, timeout: 120_000 })
      : null
  const limits = config.media
  const generated = new GeneratedVisuals(config.video.fontBoldFile)
  const voices: Partial<Record<VoiceProviderName, VoiceProvider>> = { espeak: new EspeakVoice(config.espeakVoice) }
  if (openai) voices.openai = new OpenAIVoice(openai, config.openai.ttsModel, config.openai.ttsVoice)
  if (config.elevenlabs.apiKey) {
    voices.elevenlabs = new ElevenLabsVoice(
      config.elevenlabs.baseURL,
      config.elevenlabs.apiKey,
      config.elevenlabs.voiceId,
      config.elevenlabs.modelId,
    )
  }
  const visuals: Partial<Record<VisualSource, VisualProvider>> = {
    generated,
    uploads: new UploadedVisuals(storage, limits),
  }
  if (config.pexels.apiKey) visuals.pexels = new PexelsVisuals(config.pexels.baseURL, config.pexels.apiKey, limits)
  if (config.pixabay.apiKey) visuals.pixabay = new PixabayVisuals(config.pixabay.baseURL, config.pixabay.apiKey, limits)

  return {
    storage,
    scriptWriter: config.llmEnabled && openai ? new OpenAIScriptWriter(openai, config.openai.scriptModel) : null,
    voiceFor(video) {
      const name = video.voice.provider ?? config.voiceProvider
      const voice = voices[name]
      if (!voice) throw new InvalidInputError(`voice provider ${name} is not configured on the workers`)
      return voice
    },
    visualsFor(source) {
      const provider = visuals[source]
      if (!provider) throw new InvalidInputError(`visual source ${source} is not configured on the workers`)
      return provider
    },
    generated,
  }
}
