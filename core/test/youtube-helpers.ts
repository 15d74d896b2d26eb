// Shared by the YouTube tests: a channel connected through the real consent flow (against the local
// Google server), and a finished video whose files are in storage, as the render workers leave them.
import { expect } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { videoFileKey } from '@ytempire/contract'
import { solidImage } from '@ytempire/test-support'
import type { FakeAccount, FakeGoogle } from '@ytempire/test-support/google'
import { eq } from 'drizzle-orm'
import { videos } from '../src/db/schema'
import { type Core, json, recordVideoCompleted } from './harness'

export const SCRIPT = {
  title: 'Five <Odd> Facts About Octopuses',
  description: 'Three hearts, blue blood, and more.',
  tags: ['octopus', 'marine life', 'facts'],
  scenes: [{ narration: 'Octopuses have three hearts.', keywords: ['octopus'] }],
}

let accounts = 0
export function youtubeAccount(over: Partial<NonNullable<FakeAccount['channel']>> = {}): FakeAccount {
  accounts++
  const id = `UC${Math.random().toString(36).slice(2, 12)}${accounts}`
  return { email: `creator-${id}@example.com`, channel: { id, title: `Creator ${accounts}`, longUploadsStatus: 'allowed', ...over } }
}

export async function connectChannel(
  core: Core,
  google: FakeGoogle,
  token: string,
  channelId: string,
  account = youtubeAccount(),
  body: { monetaryAnalytics?: boolean } = {},
) {
  const { authorizationUrl } = await json(
    await core.request(`/v1/channels/${channelId}/youtube/connect`, { method: 'POST', token, json: body }),
  )
  const consent = google.consent(authorizationUrl, account)
  const res = await core.request(`/v1/youtube/callback?code=${encodeURIComponent(consent.code)}&state=${encodeURIComponent(consent.state)}`)
  expect(res.status).toBe(200)
  return account
}

/** A thumbnail JPEG, as the thumbnail stage makes it. */
export function jpeg(): Uint8Array {
  return solidImage('orange', '1280x720', 'jpeg')
}

/**
 * A video through the API (no worker runs), then its files in storage and its completion recorded as
 * the workers would report it. Returns the video id and the bytes YouTube should receive.
 */
export async function finishedVideo(core: Core, token: string, channelId: string, opts: { bytes?: number; title?: string } = {}) {
  const created = await json(
    await core.request(`/v1/channels/${channelId}/videos`, { method: 'POST', token, json: { script: SCRIPT, title: opts.title } }),
  )
  const id: string = created.id
  const video = new Uint8Array(randomBytes(opts.bytes ?? 1_200_000))
  const storage = core.deps.storage
  // Where the render workers leave them: the owner's folder of the video.
  const [row] = await core.deps.database.db.select({ userId: videos.userId }).from(videos).where(eq(videos.id, id))
  const key = (file: Parameters<typeof videoFileKey>[2]) => videoFileKey(row!.userId, id, file)
  const script = await storage.put(key('script'), JSON.stringify(SCRIPT), 'application/json')
  const mp4 = await storage.put(key('video'), video, 'video/mp4')
  const thumb = await storage.put(key('thumbnail'), jpeg(), 'image/jpeg')
  const art = (o: { key: string; size: number; contentType: string }) => ({ key: o.key, size: o.size, contentType: o.contentType })
  await recordVideoCompleted(core, id, {
    title: opts.title ?? SCRIPT.title,
    description: SCRIPT.description,
    tags: SCRIPT.tags,
    durationS: 3,
    video: art(mp4),
    thumbnail: art(thumb),
    artifacts: [art(script), art(mp4), art(thumb)],
  })
  return { id, video }
}

/**
 * A render worker's environment for publishing through the core at `coreUrl` to the local Google
 * server: small chunks, quick upload retries, and a dead worker's job taken over within seconds.
 */
export function publishWorkerEnv(coreUrl: string, google: FakeGoogle): Record<string, string> {
  return {
    CORE_URL: coreUrl,
    YOUTUBE_API_ROOT: google.endpoints.apiRoot,
    YOUTUBE_UPLOAD_CHUNK_BYTES: String(256 * 1024),
    YOUTUBE_UPLOAD_RETRY_BASE_MS: '50',
    RENDER_LOCK_DURATION_MS: '2000',
    RENDER_STALLED_INTERVAL_MS: '1000',
    RENDER_SHUTDOWN_GRACE_S: '1',
  }
}
