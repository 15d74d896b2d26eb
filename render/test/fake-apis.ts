// Small local servers speaking the real wire formats of OpenAI (chat completions with JSON schema,
// audio/speech), ElevenLabs (with-timestamps), Pexels and Pixabay (video search + files).
import { generatedMedia } from '@ytempire/test-support'
import { shortScript } from './helpers'

export interface FakeApis {
  url: string
  requests: { path: string; headers: Headers; body: any }[]
  /** titles the chat model answers with, in order (then "LLM Written Title") */
  titles: string[]
  stop(): void
}

function spawnBytes(cmd: string[], stdin?: Uint8Array): Uint8Array {
  const r = Bun.spawnSync(cmd, { stdin: stdin ?? 'ignore' })
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed: ${r.stderr.toString()}`)
  return new Uint8Array(r.stdout)
}

export const API_KEYS = { openai: 'sk-test-123', elevenlabs: 'xi-test-456', pexels: 'px-test-789', pixabay: 'pb-test-000' }

export function startFakeApis(): FakeApis {
  const speechWav = spawnBytes(['espeak-ng', '-v', 'en-us', '--stdout', 'This is the voice from the fake speech API.'])
  const speechMp3 = spawnBytes(
    ['ffmpeg', '-v', 'error', '-f', 'wav', '-i', 'pipe:0', '-f', 'mp3', '-c:a', 'libmp3lame', 'pipe:1'],
    speechWav,
  )
  const clip = generatedMedia('testsrc2=s=320x180:r=25:d=1', [
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    'frag_keyframe+empty_moov',
    '-f',
    'mp4',
  ])
  const requests: FakeApis['requests'] = []
  const titles: string[] = []

  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const body: any = req.method === 'POST' ? await req.json().catch(() => null) : null
      requests.push({ path: url.pathname + url.search, headers: req.headers, body })
      const origin = url.origin

      if (url.pathname === '/v1/chat/completions') {
        if (req.headers.get('authorization') !== `Bearer ${API_KEYS.openai}`)
          return Response.json({ error: { message: 'bad key' } }, { status: 401 })
        const script = { ...shortScript, title: titles.shift() ?? 'LLM Written Title' }
        return Response.json({
          id: 'chatcmpl-test',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: JSON.stringify(script), refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 120, completion_tokens: 340, total_tokens: 460 },
        })
      }
      if (url.pathname === '/v1/audio/speech') {
        if (req.headers.get('authorization') !== `Bearer ${API_KEYS.openai}`)
          return Response.json({ error: { message: 'bad key' } }, { status: 401 })
        return new Response(speechWav, { headers: { 'content-type': 'audio/wav' } })
      }
      const eleven = url.pathname.match(/^\/v1\/text-to-speech\/([^/]+)\/with-timestamps$/)
      if (eleven) {
        if (req.headers.get('xi-api-key') !== API_KEYS.elevenlabs)
          return Response.json({ detail: { status: 'invalid_api_key' } }, { status: 401 })
        const text: string = body.text
        const chars = [...text]
        const per = 2.5 / chars.length
        return Response.json({
          audio_base64: Buffer.from(speechMp3).toString('base64'),
          alignment: {
            characters: chars,
            character_start_times_seconds: chars.map((_, i) => +(i * per).toFixed(3)),
            character_end_times_seconds: chars.map((_, i) => +((i + 1) * per).toFixed(3)),
          },
          normalized_alignment: null,
        })
      }
      if (url.pathname === '/videos/search') {
        if (req.headers.get('authorization') !== API_KEYS.pexels) return Response.json({ error: 'unauthorized' }, { status: 401 })
        const q = url.searchParams.get('query') ?? ''
        const id = Math.abs([...q].reduce((h, c) => h * 31 + c.charCodeAt(0), 7)) % 100000
        return Response.json({
          page: 1,
          per_page: 8,
          total_results: 1,
          url: 'https://www.pexels.com/search/videos/x',
          videos: [
            {
              id,
              width: 320,
              height: 180,
              duration: 1,
              url: 'https://www.pexels.com/video/x',
              image: `${origin}/img.jpg`,
              user: { id: 1, name: 'Tester', url: 'https://www.pexels.com/@tester' },
              video_files: [
                { id: 1, quality: 'sd', file_type: 'video/mp4', width: 320, height: 180, fps: 25, link: `${origin}/files/${id}.mp4` },
                {
                  id: 2,
                  quality: 'hd',
                  file_type: 'video/mp4',
                  width: 3840,
                  height: 2160,
                  fps: 25,
                  link: `${origin}/files/4k-should-not-be-used.mp4`,
                },
              ],
              video_pictures: [],
            },
          ],
        })
      }
      if (url.pathname === '/api/videos/') {
        if (url.searchParams.get('key') !== API_KEYS.pixabay) return new Response('[ERROR 400] "key" is invalid', { status: 400 })
        return Response.json({
          total: 1,
          totalHits: 1,
          hits: [
            {
              id: 42,
              pageURL: 'https://pixabay.com/videos/id-42/',
              type: 'film',
              tags: url.searchParams.get('q'),
              duration: 1,
              videos: {
                large: { url: `${origin}/files/4k-should-not-be-used.mp4`, width: 3840, height: 2160, size: 1, thumbnail: '' },
                small: { url: `${origin}/files/pixabay-42.mp4`, width: 320, height: 180, size: clip.length, thumbnail: '' },
              },
            },
          ],
        })
      }
      if (url.pathname.startsWith('/files/')) {
        if (url.pathname.includes('4k')) return new Response('not this one', { status: 410 })
        return new Response(clip, { headers: { 'content-type': 'video/mp4' } })
      }
      return new Response('not found', { status: 404 })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, requests, titles, stop: () => server.stop(true) }
}
