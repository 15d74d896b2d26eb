// Shared test plumbing: a private Redis prefix and storage dir per test file, and an events consumer
// that plays the core's part.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VideoEvent, VideoEventOf, VideoEventType, VideoJob, VideoScript } from '@ytempire/contract'
import { consumeVideoEvents, EventReporter, type VideoEventConsumer } from '@ytempire/contract/queue'
import { deleteRedisPrefix, waitUntil } from '@ytempire/test-support'
import { Redis } from 'ioredis'
import pino from 'pino'
import { loadConfig, type RenderConfig } from '../src/config'

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL || 'silent' })

export interface TestEnv {
  /** QUEUE_PREFIX of this file; tests that need a queue of their own use `${prefix}-<name>`. */
  prefix: string
  storageDir: string
  tmpDir: string
  redis: Redis
  env: Record<string, string>
  config(overrides?: Record<string, string>): RenderConfig
  /**
   * A worker process (`bun src/main.ts`) on this environment, whose jobs another worker takes over
   * within seconds of its death (a 2 s lock, checked every second); `extra` adds to its environment.
   */
  startWorkerProcess(extra?: Record<string, string>): WorkerProcess
  /** Sends `signal` to the worker processes still running and waits for them to end. */
  stopWorkerProcesses(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>
  cleanup(): Promise<void>
}

export type WorkerProcess = ReturnType<typeof Bun.spawn>

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
  const workerProcesses: WorkerProcess[] = []
  return {
    prefix,
    storageDir,
    tmpDir,
    redis,
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    startWorkerProcess(extra = {}) {
      const proc = Bun.spawn(['bun', join(import.meta.dir, '../src/main.ts')], {
        env: { ...process.env, ...env, RENDER_LOCK_DURATION_MS: '2000', RENDER_STALLED_INTERVAL_MS: '1000', ...extra },
        stdout: 'ignore',
        stderr: 'ignore',
      })
      workerProcesses.push(proc)
      return proc
    },
    async stopWorkerProcesses(signal = 'SIGKILL') {
      for (const p of workerProcesses) if (p.exitCode === null) p.kill(signal)
      await Promise.all(workerProcesses.map((p) => p.exited))
    },
    async cleanup() {
      // No separator after the prefix: the keys of every `${prefix}-<name>` queue go too.
      await deleteRedisPrefix(redis, prefix)
      redis.disconnect()
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Consumes `video-events` the way the core does, keeping every event in arrival order. */
export class EventLog {
  readonly events: VideoEvent[] = []
  private readonly connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
  private readonly consumer: VideoEventConsumer
  private readonly queued: EventReporter

  constructor(prefix: string) {
    this.consumer = consumeVideoEvents(
      this.connection,
      async (event) => {
        this.events.push(event)
      },
      { prefix },
    )
    this.queued = new EventReporter(this.connection, { prefix })
  }

  of(videoId: string): VideoEvent[] {
    return this.events.filter((e) => e.videoId === videoId)
  }

  waitFor<T extends VideoEventType>(videoId: string, types: T[], timeoutMs = 60_000): Promise<VideoEventOf<T>> {
    return waitUntil(() => this.events.find((e): e is VideoEventOf<T> => e.videoId === videoId && (types as string[]).includes(e.type)), {
      what: `${types.join('|')} of ${videoId} (seen: ${this.of(videoId)
        .map((e) => e.type)
        .join(', ')})`,
      timeoutMs,
    })
  }

  /** Waits for an event matching an arbitrary predicate. */
  waitUntil(match: (e: VideoEvent) => boolean, what: string, timeoutMs = 60_000): Promise<VideoEvent> {
    return waitUntil(() => this.events.find(match), { what, timeoutMs })
  }

  /** Waits until every event reported so far has been consumed: what was not seen by then was not reported. */
  async drained(timeoutMs = 10_000): Promise<void> {
    await waitUntil(async () => (await this.queued.pending()) === 0, { what: 'the events queue to drain', timeoutMs })
  }

  async close(): Promise<void> {
    await this.consumer.close()
    await this.queued.close()
    this.connection.disconnect()
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
