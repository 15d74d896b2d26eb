import { VIDEO_FILES } from '@ytempire/contract'
// Stage 2a: narration per scene, word timings, one loudness-normalised track.

import { ttsCost } from '../cost/cost'
import { InvalidInputError } from '../errors'
import type { WordTiming } from '../ffmpeg/captions'
import { probeDuration } from '../ffmpeg/ffmpeg'
import { artifactKey, type StageContext } from '../pipeline/stage'
import { loadScript } from '../script/script'
import { espeakVoiceFor } from '../voice/espeak'
import { normalizeVoice } from '../voice/loudness'
import { detectSilences, distributeWords, phonemeWeights, splitWords } from '../voice/word-timing'
import type { ScriptStageResult } from './script'

export interface VoiceTrack {
  durationS: number
  /** where each scene's narration starts, seconds */
  sceneStarts: number[]
  words: WordTiming[]
  /** how the word timings were obtained */
  timing: 'provider' | 'estimated'
}

export interface VoiceStageResult {
  voiceKey: string
  trackKey: string
  durationS: number
  sceneStarts: number[]
}

export async function voiceStage(ctx: StageContext): Promise<VoiceStageResult> {
  const { video } = ctx
  const voiceKey = artifactKey(video, VIDEO_FILES.voice)
  const trackKey = artifactKey(video, VIDEO_FILES.voiceTrack)
  if ((await ctx.storage.stat(voiceKey)) && (await ctx.storage.stat(trackKey))) {
    // A re-drive after a later stage failed: the narration (and its TTS cost) is already paid for.
    await ctx.reuse(voiceKey)
    await ctx.reuse(trackKey)
    const track = JSON.parse(new TextDecoder().decode(await ctx.storage.get(trackKey))) as VoiceTrack
    return { voiceKey, trackKey, durationS: track.durationS, sceneStarts: track.sceneStarts }
  }
  const script = await loadScript(ctx.storage, ctx.resultOf<ScriptStageResult>('script').scriptKey)
  const provider = ctx.providers.voiceFor(video)
  const phonemeVoice = espeakVoiceFor(video.language)

  const scenes = script.scenes
  const spoken: { path: string; durationS: number; words: { word: string; start: number; end: number }[]; measured: boolean }[] = []
  let characters = 0
  let done = 0
  const speak = async (i: number) => {
    const text = scenes[i]!.narration
    const speech = await provider.speakScene({
      text,
      language: video.language,
      voiceId: video.voice.voiceId,
      basePath: `${ctx.dir}/scene-${i}`,
      signal: ctx.signal,
    })
    const durationS = await probeDuration(speech.path, { signal: ctx.signal })
    let words = speech.words
    if (!words) {
      const tokens = splitWords(text)
      const [weights, silences] = await Promise.all([
        phonemeWeights(tokens, phonemeVoice, ctx.signal),
        detectSilences(speech.path, ctx.signal),
      ])
      words = distributeWords(tokens, weights, silences, durationS)
    }
    characters += speech.characters
    spoken[i] = { path: speech.path, durationS, words, measured: speech.words !== null }
    ctx.progress((++done / scenes.length) * 70)
  }
  // Two scenes at a time: TTS APIs rate-limit, espeak is CPU-bound.
  for (let i = 0; i < scenes.length; i += 2) await Promise.all([speak(i), ...(i + 1 < scenes.length ? [speak(i + 1)] : [])])

  const voicePath = `${ctx.dir}/voice.wav`
  await normalizeVoice(
    spoken.map((s) => s.path),
    voicePath,
    ctx.config.video.loudnessLufs,
    ctx.signal,
  )
  ctx.progress(90)

  const sceneStarts: number[] = []
  const words: WordTiming[] = []
  let offset = 0
  spoken.forEach((s, i) => {
    sceneStarts.push(offset)
    for (const w of s.words) words.push({ word: w.word, start: offset + w.start, end: offset + w.end, scene: i })
    offset += s.durationS
  })
  const durationS = await probeDuration(voicePath, { signal: ctx.signal })
  const longest = video.limits?.maxVideoSeconds
  if (longest !== undefined && durationS > longest)
    throw new InvalidInputError(`the narration runs ${durationS.toFixed(1)} s; the plan allows videos of ${longest} s`)
  const track: VoiceTrack = {
    durationS,
    sceneStarts,
    words,
    timing: spoken.every((s) => s.measured) ? 'provider' : 'estimated',
  }
  const trackPath = `${ctx.dir}/voice-track.json`
  await Bun.write(trackPath, JSON.stringify(track))
  await ctx.store(voiceKey, voicePath, 'audio/wav')
  await ctx.store(trackKey, trackPath, 'application/json')
  ctx.cost(ttsCost('voice', provider.priceKey, characters))
  return { voiceKey, trackKey, durationS: track.durationS, sceneStarts }
}
