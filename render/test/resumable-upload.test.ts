// The resumable upload protocol against a local server speaking YouTube's upload wire format, with
// an access token the real google-auth-library obtained from it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { YOUTUBE_SCOPES } from '@ytempire/contract'
import { FakeGoogle } from '@ytempire/test-support/google'
import { OAuth2Client } from 'google-auth-library'
import { UPLOAD_CHUNK_UNIT } from '../src/config'
import { resumableUpload, type UploadSessionStore } from '../src/publish/resumable-upload'
import { silentLog } from './helpers'

const google = await new FakeGoogle().start()
let dir: string
let accessToken: string
const SIZE = 5 * UPLOAD_CHUNK_UNIT + 12_345
let file: { path: string; size: number; contentType: string; sha256: string }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ytempire-upload-'))
  const bytes = randomBytes(SIZE)
  file = { path: join(dir, 'video.mp4'), size: SIZE, contentType: 'video/mp4', sha256: createHash('sha256').update(bytes).digest('hex') }
  await Bun.write(file.path, bytes)
  const oauth = new OAuth2Client({
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    redirectUri: 'http://localhost/cb',
    endpoints: { oauth2AuthBaseUrl: google.endpoints.authUrl, oauth2TokenUrl: google.endpoints.tokenUrl },
  })
  const { codeVerifier, codeChallenge } = await oauth.generateCodeVerifierAsync()
  const url = oauth.generateAuthUrl({
    access_type: 'offline',
    scope: [YOUTUBE_SCOPES.upload],
    state: 's',
    code_challenge: codeChallenge,
    code_challenge_method: 'S256' as never,
  })
  const { code } = google.consent(url, {
    email: 'u@example.com',
    channel: { id: 'UCupload', title: 'Uploads', longUploadsStatus: 'allowed' },
  })
  accessToken = (await oauth.getToken({ code, codeVerifier })).tokens.access_token!
})
afterAll(async () => {
  await google.close()
  await rm(dir, { recursive: true, force: true })
})

/** A store like the core's: the first session stored wins; dropping is refused once the last chunk may have left. */
function memoryStore(opts: { onSave?: () => void } = {}) {
  const state = { session: null as { uri: string; size: number } | null, finalChunk: false, saves: 0, drops: 0 }
  const store: UploadSessionStore = {
    async save(uri, size) {
      opts.onSave?.()
      state.saves++
      state.session ??= { uri, size }
      return state.session
    },
    async drop() {
      if (state.finalChunk) throw new Error('refused: a video may exist')
      state.drops++
      state.session = null
    },
    async finalChunk() {
      state.finalChunk = true
    },
  }
  return { store, state }
}

const dataPuts = () =>
  google
    .calls('PUT', '/upload/youtube/v3/videos')
    .map((r) => String(r.headers['content-range']))
    .filter((range) => !range.includes('*'))

function upload(store: UploadSessionStore, over: Partial<Parameters<typeof resumableUpload>[0]> = {}) {
  return resumableUpload({
    url: `${google.endpoints.apiRoot}upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`,
    metadata: {
      snippet: { title: 'A test upload', description: '', tags: [] },
      status: { privacyStatus: 'private', selfDeclaredMadeForKids: false },
    },
    file,
    session: null,
    finalChunkSent: false,
    chunkBytes: UPLOAD_CHUNK_UNIT,
    store,
    accessToken: async () => accessToken,
    beforeOpen: async () => {},
    retry: { max: 4, baseMs: 5 },
    log: silentLog,
    ...over,
  })
}

describe('resumable upload', () => {
  test('a connection cut mid-file: the server is asked, the upload continues from its offset, one video', async () => {
    const before = google.videosCreated
    const putsBefore = dataPuts().length
    const cutAt = UPLOAD_CHUNK_UNIT + 40_000 // inside the second chunk, not on a chunk boundary
    google.dropConnectionAt(cutAt)
    const { store, state } = memoryStore({ onSave: () => expect(dataPuts().length).toBe(putsBefore) })
    const video = await upload(store)

    expect(google.videosCreated).toBe(before + 1)
    expect(google.videos.get(video.id)!.sha256).toBe(file.sha256)
    expect(state.saves).toBe(1)
    const puts = dataPuts().slice(putsBefore)
    const starts = puts.map((r) => Number(/bytes (\d+)-/.exec(r)![1]))
    // The cut chunk was not resent from its start: the next PUT began exactly where the server stood.
    expect(starts).toContain(cutAt)
    expect(starts.filter((s) => s === UPLOAD_CHUNK_UNIT).length).toBe(1)
    const queries = google.calls('PUT', '/upload/youtube/v3/videos').filter((r) => String(r.headers['content-range']) === `bytes */${SIZE}`)
    expect(queries.length).toBeGreaterThanOrEqual(1)
    // Every chunk but the last is a multiple of 256 KiB.
    for (const r of puts.slice(0, -1)) {
      const [, a, b] = /bytes (\d+)-(\d+)/.exec(r)!
      expect((Number(b) - Number(a) + 1) % UPLOAD_CHUNK_UNIT).toBe(0)
    }
  })

  test('500/503 on a chunk are retried with backoff; one video', async () => {
    const before = google.videosCreated
    google.failNext('upload', 'serviceUnavailable')
    google.failNext('upload', 'backendError')
    const video = await upload(memoryStore().store)
    expect(google.videosCreated).toBe(before + 1)
    expect(google.videos.get(video.id)!.sha256).toBe(file.sha256)
  })

  test('a session whose last byte arrived (the answer lost): asking it returns the video, nothing new is created', async () => {
    const first = memoryStore()
    const video = await upload(first.store)
    const before = google.videosCreated
    const sessions = google.sessionsOpened
    const again = await upload(memoryStore().store, { session: first.state.session, finalChunkSent: true })
    expect(again.id).toBe(video.id)
    expect(google.videosCreated).toBe(before)
    expect(google.sessionsOpened).toBe(sessions)
  })

  test('a session that has nothing (308 without Range) starts at byte 0', async () => {
    let opened = ''
    google.onUpload = (e) => {
      if (e.kind === 'open') opened = e.sessionId
      return undefined
    }
    // Open a session and stop before any byte: the worker "died" right after storing it.
    const { store, state } = memoryStore()
    await expect(
      upload(store, {
        beforeOpen: async () => {},
        chunkBytes: UPLOAD_CHUNK_UNIT,
        onProgress: (done) => {
          if (done === 0) throw new Error('stop before the first byte')
        },
      }),
    ).rejects.toThrow('stop before the first byte')
    google.onUpload = undefined
    expect(opened).not.toBe('')
    const putsBefore = dataPuts().length
    const video = await upload(memoryStore().store, { session: state.session })
    expect(Number(/bytes (\d+)-/.exec(dataPuts()[putsBefore]!)![1])).toBe(0)
    expect(google.videos.get(video.id)!.sha256).toBe(file.sha256)
  })

  test('an expired session (404) is replaced only while no video can exist from it', async () => {
    // Expired mid-file, before the last chunk: a new session, one video.
    let expireAfter = 2
    google.onUpload = (e) => {
      if (e.kind === 'chunk' && --expireAfter === 0) google.expireSession(e.sessionId)
      return undefined
    }
    const before = google.videosCreated
    const { store, state } = memoryStore()
    const video = await upload(store)
    google.onUpload = undefined
    expect(state.drops).toBe(1)
    expect(state.saves).toBe(2)
    expect(google.videosCreated).toBe(before + 1)
    expect(google.videos.get(video.id)!.sha256).toBe(file.sha256)

    // Expired after the last chunk went out without an answer: never a second session.
    google.onUpload = (e) => {
      if (e.kind === 'chunk' && e.final) {
        google.expireSession(e.sessionId)
        return 'drop'
      }
      return undefined
    }
    const sessions = google.sessionsOpened
    const created = google.videosCreated
    await expect(upload(memoryStore().store)).rejects.toThrow('refused: a video may exist')
    google.onUpload = undefined
    expect(google.sessionsOpened).toBe(sessions + 1)
    expect(google.videosCreated).toBe(created + 1)
  })

  test("quotaExceeded on opening the session is YouTube's error body, reason and all", async () => {
    google.failNext('videos.insert', 'quotaExceeded')
    const err = await upload(memoryStore().store).catch((e) => e)
    expect(err.name).toBe('YouTubeApiError')
    expect(err.status).toBe(403)
    expect(err.reason).toBe('quotaExceeded')
  })
})
