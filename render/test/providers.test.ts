// Provider adapters against local servers that speak the real wire formats; the real `openai` SDK
// makes the OpenAI calls. Then whole videos through those providers.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { titleKey } from '@ytempire/contract'
import { dispatchVideo } from '@ytempire/contract/queue'
import { ffprobe } from '@ytempire/test-support'
import { UnrecoverableError } from 'bullmq'
import OpenAI from 'openai'
import { ProviderError, ProviderRejectedError } from '../src/errors'
import { startPipeline } from '../src/pipeline/workers'
import { OpenAIScriptWriter } from '../src/script/openai'
import type { VoiceTrack } from '../src/stages/voice'
import { ElevenLabsVoice } from '../src/voice/elevenlabs'
import { API_KEYS, type FakeApis, startFakeApis } from './fake-apis'
import { createTestEnv, EventLog, silentLog, type TestEnv, videoJob } from './helpers'

let t: TestEnv
let apis: FakeApis
let events: EventLog

beforeAll(async () => {
  t = await createTestEnv()
  apis = startFakeApis()
  events = new EventLog(t.prefix)
})

afterAll(async () => {
  apis.stop()
  await events.close()
  await t.cleanup()
})

const providerEnv = () => ({
  OPENAI_BASE_URL: `${apis.url}/v1`,
  OPENAI_API_KEY: API_KEYS.openai,
  SCRIPT_MODEL: 'gpt-4o-mini',
  OPENAI_TTS_MODEL: 'tts-1',
  ELEVENLABS_BASE_URL: apis.url,
  ELEVENLABS_API_KEY: API_KEYS.elevenlabs,
  PEXELS_BASE_URL: apis.url,
  PEXELS_API_KEY: API_KEYS.pexels,
  PIXABAY_BASE_URL: apis.url,
  PIXABAY_API_KEY: API_KEYS.pixabay,
  // The fake file host is on loopback; production keeps the SSRF guard on.
  MEDIA_ALLOW_PRIVATE_HOSTS: '1',
})

describe('script writer (OpenAI-compatible chat, structured output)', () => {
  test('asks for a strict JSON schema and returns the validated script with token usage', async () => {
    const writer = new OpenAIScriptWriter(new OpenAI({ apiKey: API_KEYS.openai, baseURL: `${apis.url}/v1` }), 'gpt-4o-mini')
    const result = await writer.write({ topic: 'bees', targetSeconds: 30, language: 'en', signal: new AbortController().signal })
    expect(result.script.title).toBe('LLM Written Title')
    expect(result.script.scenes.length).toBe(2)
    expect(result.usage).toEqual({ model: 'gpt-4o-mini', inputTokens: 120, outputTokens: 340 })
    const sent = apis.requests.findLast((r) => r.path === '/v1/chat/completions')!.body
    expect(sent.model).toBe('gpt-4o-mini')
    expect(sent.response_format.type).toBe('json_schema')
    expect(sent.response_format.json_schema.strict).toBe(true)
    expect(sent.response_format.json_schema.schema.required).toEqual(['title', 'description', 'tags', 'scenes'])
  })
})

describe('ElevenLabs', () => {
  test('a rejected API key is a permanent error', async () => {
    const voice = new ElevenLabsVoice(apis.url, 'wrong-key', 'voice1', 'eleven_multilingual_v2')
    const err = await voice
      .speakScene({ text: 'hi', language: 'en', basePath: `${t.tmpDir}-x`, signal: new AbortController().signal })
      .catch((e) => e)
    expect(err).toBeInstanceOf(UnrecoverableError)
    expect(err).toBeInstanceOf(ProviderRejectedError)
    expect(err).toMatchObject({ provider: 'elevenlabs', status: 401 })
    expect(String(err.message)).toContain('401')
  })
})

describe('OpenAI', () => {
  test('a rejected API key is a permanent error that keeps the provider, the status and the SDK error', async () => {
    const writer = new OpenAIScriptWriter(new OpenAI({ apiKey: 'wrong-key', baseURL: `${apis.url}/v1`, maxRetries: 0 }), 'gpt-4o-mini')
    const err = await writer
      .write({ topic: 'bees', targetSeconds: 30, language: 'en', signal: new AbortController().signal })
      .catch((e) => e)
    expect(err).toBeInstanceOf(UnrecoverableError)
    expect(err).toMatchObject({ provider: 'openai', status: 401 })
    expect(err.cause).toBeInstanceOf(ProviderError)
    expect(err.cause.cause).toBeInstanceOf(OpenAI.APIError)
  })
})

describe('the autopilot asks the LLM for a fresh subject in the niche', () => {
  test('the newest earlier titles go into the prompt; a title the channel used, even an older one, is asked for again (each answer paid for)', async () => {
    const p = await startPipeline(t.config(providerEnv()), silentLog, undefined, ['script'])
    try {
      apis.titles.push('Why the sky is BLUE!', 'How Rainbows Form')
      const before = apis.requests.filter((r) => r.path === '/v1/chat/completions').length
      // "Why the Sky Is Blue" is older than the prompt's list: only the dispatch's title keys know it.
      const job = videoJob({
        script: undefined,
        topic: 'everyday science',
        avoidTitles: ['Static Electricity'],
        takenTitleKeys: [titleKey('Static Electricity'), titleKey('Why the Sky Is Blue')],
      })
      await dispatchVideo(t.redis, job, { prefix: t.prefix })
      await events.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'stage.completed' && e.stage === 'script',
        'the script stage',
        30_000,
      )
      const stored = await Bun.file(join(t.storageDir, `videos/${job.userId}/${job.videoId}/script.json`)).json()
      expect(stored.title).toBe('How Rainbows Form')
      const asked = apis.requests.filter((r) => r.path === '/v1/chat/completions').slice(before)
      expect(asked.length).toBe(2)
      const prompt: string = asked[0]!.body.messages[1].content
      expect(prompt).toContain('Channel niche: everyday science')
      expect(prompt).toContain('- Static Electricity')
      expect(prompt).not.toContain('Why the Sky Is Blue')
      const llm = events
        .of(job.videoId)
        .flatMap((e) => (e.type === 'cost' ? e.items : []))
        .filter((c) => c.kind === 'llm_tokens')
      expect(llm.length).toBe(4)
    } finally {
      await p.close(500)
    }
  }, 60_000)
})

describe('videos through the outside providers', () => {
  test('LLM script + OpenAI TTS + Pexels clips', async () => {
    const p = await startPipeline(t.config(providerEnv()), silentLog)
    try {
      const job = videoJob({
        script: undefined,
        topic: 'honey bees',
        voice: { provider: 'openai', voiceId: 'nova' },
        visualSource: 'pexels',
      })
      await dispatchVideo(t.redis, job, { prefix: t.prefix })
      const done = await events.waitFor(job.videoId, ['video.completed', 'video.failed'], 90_000)
      if (done.type !== 'video.completed') throw new Error(JSON.stringify(done))
      expect(done.title).toBe('LLM Written Title')
      const costs = events.of(job.videoId).flatMap((e) => (e.type === 'cost' ? e.items : []))
      const llm = costs.filter((c) => c.kind === 'llm_tokens')
      expect(llm.map((c) => [c.item, c.quantity])).toEqual([
        ['gpt-4o-mini:input', 120],
        ['gpt-4o-mini:output', 340],
      ])
      expect(llm[0]!.amountUsd).toBeCloseTo((120 * 0.15) / 1e6, 10)
      expect(costs.find((c) => c.kind === 'tts_characters')!.item).toBe('openai:tts-1')
      // One speech request per scene, with the voice asked for; Pexels searched per scene with the key.
      const speech = apis.requests.filter((r) => r.path === '/v1/audio/speech')
      expect(speech.length).toBe(2)
      expect(speech[0]!.body.voice).toBe('nova')
      expect(apis.requests.filter((r) => r.path.startsWith('/videos/search')).length).toBeGreaterThanOrEqual(2)
      expect(apis.requests.some((r) => r.path.includes('4k-should-not-be-used'))).toBe(false)
      const scenesDir = join(t.storageDir, `videos/${job.userId}/${job.videoId}/scenes`)
      expect(await Bun.file(join(scenesDir, '0.mp4')).exists()).toBe(true)
      const probe = await ffprobe(join(t.storageDir, done.video.key))
      expect(probe.streams.find((s) => s.codec_type === 'video')!.profile).toBe('High')
    } finally {
      await p.close(500)
    }
  }, 90_000)

  test('ElevenLabs voice (timings from its alignment) + Pixabay clips', async () => {
    const p = await startPipeline(t.config(providerEnv()), silentLog)
    try {
      const job = videoJob({ voice: { provider: 'elevenlabs', voiceId: 'Rachel' }, visualSource: 'pixabay' })
      await dispatchVideo(t.redis, job, { prefix: t.prefix })
      const done = await events.waitFor(job.videoId, ['video.completed', 'video.failed'], 90_000)
      if (done.type !== 'video.completed') throw new Error(JSON.stringify(done))
      const calls = apis.requests.filter((r) => r.path.startsWith('/v1/text-to-speech/Rachel/with-timestamps'))
      expect(calls.length).toBe(2)
      expect(calls[0]!.headers.get('xi-api-key')).toBe(API_KEYS.elevenlabs)
      const track = (await Bun.file(join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice-track.json`)).json()) as VoiceTrack
      expect(track.timing).toBe('provider')
      // The fake aligns each scene's characters over 2.5 s: the first word of scene 2 starts at its scene start.
      const firstOfScene2 = track.words.find((w) => w.scene === 1)!
      expect(firstOfScene2.word).toBe('A')
      expect(firstOfScene2.start).toBeCloseTo(track.sceneStarts[1]!, 2)
      expect(apis.requests.some((r) => r.path.startsWith('/api/videos/') && r.path.includes(`key=${API_KEYS.pixabay}`))).toBe(true)
      expect(apis.requests.some((r) => r.path === '/files/pixabay-42.mp4')).toBe(true)
    } finally {
      await p.close(500)
    }
  }, 90_000)
})
