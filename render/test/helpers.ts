// Shared test plumbing: a private Redis prefix and storage dir per test file, and an events consumer
// that plays the core's part.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import pino from 'pino'
import { loadConfig, type RenderConfig } from '../src/config'
import { QUEUES, type VideoEvent, type VideoJob, type VideoScript } from '../src/contract'

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL || 'silent' })

export interface TestEnv {
  prefix: string
  storageDir: string
  tmpDir: string
  redis: Redis
  env: Record<string, string>
  config(overrides?: Record<string, string>): RenderConfig
  cleanup(): Promise<void>
}

export async function createTestEnv(): Promise<TestEnv> {
  const prefix = `ytempire-test-${crypto.randomUUID().slice(0, 8)}`
  const root = await mkdtemp(join(tmpdir(), 'ytempire-render-test-'))
  const storageDir = join(root, 'storage')
  const tmpDir = join(root, 'tmp')
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
  const env: Record<string, string> = {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    STORAGE_DIR: storageDir,
    RENDER_TMP_DIR: tmpDir,
    VIDEO_SCALE: '0.25',
    VIDEO_ENCODER: 'libx264',
    X264_PRESET: 'superfast',
    LOG_LEVEL: 'silent',
    RENDER_CANCEL_POLL_MS: '100',
  }
  return {
    prefix,
    storageDir,
    tmpDir,
    redis,
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    async cleanup() {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
        cursor = next
        if (keys.length) await redis.del(...keys)
      } while (cursor !== '0')
      redis.disconnect()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Consumes `video-events` the way the core does, keeping every event in order. */
export class EventLog {
  readonly events: VideoEvent[] = []
  private readonly worker: Worker
  private waiters: { match: (e: VideoEvent) => boolean; resolve: (e: VideoEvent) => void }[] = []

  constructor(prefix: string) {
    this.worker = new Worker(
      QUEUES.events,
      async (job) => {
        const event = job.data as VideoEvent
        this.events.push(event)
        this.waiters = this.waiters.filter((w) => {
          if (!w.match(event)) return true
          w.resolve(event)
          return false
        })
      },
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix, concurrency: 1 },
    )
  }

  of(videoId: string): VideoEvent[] {
    return this.events.filter((e) => e.videoId === videoId)
  }

  waitFor<T extends VideoEvent['type']>(videoId: string, types: T[], timeoutMs = 60_000): Promise<Extract<VideoEvent, { type: T }>> {
    const match = (e: VideoEvent) => e.videoId === videoId && (types as string[]).includes(e.type)
    const seen = this.events.find(match)
    if (seen) return Promise.resolve(seen as Extract<VideoEvent, { type: T }>)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for ${types.join('|')} of ${videoId}; saw ${this.of(videoId)
                .map((e) => e.type)
                .join(', ')}`,
            ),
          ),
        timeoutMs,
      )
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e as Extract<VideoEvent, { type: T }>)
        },
      })
    })
  }

  /** Waits for an event matching an arbitrary predicate. */
  waitUntil(match: (e: VideoEvent) => boolean, timeoutMs = 60_000): Promise<VideoEvent> {
    const seen = this.events.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for event')), timeoutMs)
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        },
      })
    })
  }

  async close(): Promise<void> {
    await this.worker.close()
  }
}

export const shortScript: VideoScript = {
  title: 'Tiny Facts About Honey Bees',
  description: 'Two quick facts.',
  tags: ['bees'],
  scenes: [
    { narration: 'Honey bees can recognise human faces, and they remember them.', keywords: ['bees', 'faces'] },
    { narration: 'A single bee makes a twelfth of a teaspoon of honey.', keywords: ['honey'] },
  ],
}

export function videoJob(overrides: Partial<VideoJob> = {}): VideoJob {
  return {
    videoId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    channelId: crypto.randomUUID(),
    plan: 'pro',
    script: shortScript,
    targetSeconds: 10,
    language: 'en',
    voice: {},
    visualSource: 'generated',
    captionStyle: 'highlight',
    aspect: '16:9',
    ...overrides,
  }
}

export interface ProbedStream {
  codec_type: string
  codec_name: string
  profile?: string
  width?: number
  height?: number
}

export async function ffprobe(path: string): Promise<{ streams: ProbedStream[]; format: { duration: string; format_name: string } }> {
  const proc = Bun.spawn(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path], { stdout: 'pipe' })
  const out = await new Response(proc.stdout).text()
  await proc.exited
  return JSON.parse(out)
}

/** Raw RGB24 pixels of one frame at `atS`. */
export async function frameAt(path: string, atS: number): Promise<Uint8Array> {
  const proc = Bun.spawn(
    ['ffmpeg', '-v', 'error', '-ss', atS.toFixed(3), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { stdout: 'pipe' },
  )
  const out = new Uint8Array(await new Response(proc.stdout).arrayBuffer())
  await proc.exited
  return out
}

/** Mean absolute difference of two RGB frames over rows [fromRow, toRow). */
export function regionDiff(a: Uint8Array, b: Uint8Array, width: number, fromRow: number, toRow: number): number {
  let sum = 0
  let n = 0
  for (let i = fromRow * width * 3; i < toRow * width * 3 && i < a.length; i++) {
    sum += Math.abs(a[i]! - b[i]!)
    n++
  }
  return n ? sum / n : 0
}
