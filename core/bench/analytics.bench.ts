// Benchmark: analytics at size. 1,000 connected channels x 20 videos x 30 days are ingested by the
// real ingestion code (googleapis against the local Google-format server, in this process) into
// PostgreSQL, printing rows per second; then every channel's 30-day analytics is asked for once
// through the app (each a cache miss), printing the latencies (goal: p99 < 50 ms uncached, one core).
import { YOUTUBE_SCOPES } from '@ytempire/contract'
import { FakeGoogle } from '@ytempire/test-support/google'
import { createApp, createServices } from '../src/app'
import { loadConfig } from '../src/config'
import { migrateDatabase, openDatabase } from '../src/db'
import { channels, costLedger, videoPublications, videos, youtubeConnections } from '../src/db/schema'
import { createDeps } from '../src/deps'
import { createRedis } from '../src/infra/redis'
import { addDays, lastCompleteDay } from '../src/modules/analytics/days'
import { benchServices, dataDir } from './bench-services'

const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 1000)
const VIDEOS = Number(process.env.BENCH_VIDEOS ?? 20)
const DAYS = Number(process.env.BENCH_DAYS ?? 30)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)

const servers = await benchServices()
const google = await new FakeGoogle().start()
const prefix = `bench-analytics:${Date.now()}:`

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
const ms = (n: number) => `${n.toFixed(1)} ms`

try {
  const config = loadConfig({
    ...google.env(),
    NODE_ENV: 'test',
    DATABASE_URL: servers.databaseUrl,
    REDIS_URL: servers.redisUrl,
    REDIS_PREFIX: prefix,
    QUEUE_PREFIX: `bq-${Date.now()}`,
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'default=1000000000/60,auth=1000/60',
    // Every call is still counted; the bucket is large enough for the whole seeding.
    YOUTUBE_QUOTA_BUCKETS: 'default=100000000',
    ANALYTICS_BACKFILL_DAYS: String(DAYS),
    WEBSUB_HUB_URL: 'off',
  })
  const database = await openDatabase({ url: config.databaseUrl, dataDir, poolMax: 10 })
  await migrateDatabase(database)
  const deps = await createDeps(config, database, createRedis(servers.redisUrl, 'bench'))
  const services = createServices(deps)
  const app = createApp(deps, services)
  const db = database.db

  const creds = { email: 'bench@example.com', password: 'benchmark password!' }
  const call = (path: string, init: RequestInit = {}) => app.handle(new Request(`http://localhost${path}`, init))
  const asJson = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }
  const reg = await call('/v1/auth/register', { method: 'POST', headers: asJson, body: JSON.stringify(creds) })
  const userId = ((await reg.json()) as { id: string }).id
  const { accessToken } = (await (
    await call('/v1/auth/login', { method: 'POST', headers: asJson, body: JSON.stringify(creds) })
  ).json()) as {
    accessToken: string
  }

  // ---- seeding: channels, their connections (grants at the fake), 20 videos each, ours, with a cost ----
  const t0 = performance.now()
  const to = lastCompleteDay(deps.clock)
  const published = `${addDays(to, -DAYS - 5)}T12:00:00Z`
  const channelIds: string[] = []
  for (let c = 0; c < CHANNELS; c += 100) {
    const batch = Array.from({ length: Math.min(100, CHANNELS - c) }, (_, i) => ({
      userId,
      name: `Channel ${c + i}`,
      niche: 'facts',
      cadence: { videosPerWeek: 1, days: ['mon' as const], time: '10:00' },
    }))
    const rows = await db.insert(channels).values(batch).returning({ id: channels.id })
    channelIds.push(...rows.map((r) => r.id))
  }
  const scopes = [YOUTUBE_SCOPES.upload, YOUTUBE_SCOPES.read, YOUTUBE_SCOPES.analytics, YOUTUBE_SCOPES.monetary]
  for (let c = 0; c < channelIds.length; c += 50) {
    const conns = []
    const vids: (typeof videos.$inferInsert)[] = []
    const pubs: (typeof videoPublications.$inferInsert)[] = []
    for (const channelId of channelIds.slice(c, c + 50)) {
      const yt = {
        id: `UC${channelId.replaceAll('-', '').slice(0, 22)}`,
        title: channelId,
        longUploadsStatus: 'allowed' as const,
        partner: true,
      }
      const refresh = google.issueGrant({ email: `${channelId}@example.com`, channel: yt }, scopes)
      conns.push({
        channelId,
        userId,
        youtubeChannelId: yt.id,
        title: yt.title,
        customThumbnails: true,
        scopes,
        refreshTokenEnc: await deps.box.seal(refresh, `youtube-refresh:${channelId}`),
      })
      for (let v = 0; v < VIDEOS; v++) {
        const youtubeVideoId = google.addVideo(yt, { title: `Video ${v}`, publishedAt: published })
        const id = crypto.randomUUID()
        vids.push({ id, userId, channelId, status: 'completed', request: {}, title: `Video ${v}` })
        pubs.push({ videoId: id, userId, channelId, status: 'published', privacy: 'public', grantHash: 'bench', youtubeVideoId })
      }
    }
    await db.insert(youtubeConnections).values(conns)
    await db.insert(videos).values(vids)
    await db.insert(videoPublications).values(pubs)
    await db.insert(costLedger).values(
      vids.map((v) => ({
        userId,
        videoId: v.id!,
        eventKey: `bench:${v.id}`,
        stage: 'render',
        kind: 'compute',
        item: 'libx264:cpu',
        quantity: 60,
        unit: 'second',
        unitPriceUsd: 0.0004,
        amountUsd: 0.024,
        createdAt: new Date(`${addDays(to, -3)}T20:00:00Z`),
      })),
    )
  }
  console.log(
    `seeded ${CHANNELS} channels x ${VIDEOS} videos (${CHANNELS * VIDEOS} videos, their costs) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )

  // ---- ingestion: every channel's first run (a 30-day backfill) ----
  const requestsBefore = google.requests.length
  const t1 = performance.now()
  let rows = 0
  let units = 0
  const failures: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < channelIds.length) {
        const channelId = channelIds[next++]!
        const r = await services.analytics.ingestion.run(channelId)
        if (r.status !== 'ok') failures.push(`${channelId}: ${r.status} ${r.message ?? ''}`)
        rows += r.rows
        units += r.units
      }
    }),
  )
  const seconds = (performance.now() - t1) / 1000
  const calls = google.requests.length - requestsBefore
  console.log(`\ningestion: ${CHANNELS} channels x ${DAYS} days x ${VIDEOS} videos, ${CONCURRENCY} channels at a time`)
  console.log(`  ${rows} rows (video-days and channel-days) in ${seconds.toFixed(1)} s = ${(rows / seconds).toFixed(0)} rows/s`)
  console.log(
    `  ${calls} calls to Google (${(calls / seconds).toFixed(0)}/s), ${units} quota units counted, ${failures.length} runs not ok`,
  )
  for (const f of failures.slice(0, 5)) console.log(`  not ok: ${f}`)

  // ---- the API: a channel's 30-day analytics, uncached (each channel asked once) ----
  const from = addDays(to, 1 - DAYS)
  const auth = { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': '203.0.113.9' }
  for (const id of channelIds.slice(0, 20)) await call(`/v1/channels/${id}/analytics?from=${addDays(from, -1)}&to=${to}`, { headers: auth })
  const latencies: number[] = []
  let misses = 0
  let checked = false
  for (const id of channelIds) {
    const start = performance.now()
    const res = await call(`/v1/channels/${id}/analytics?from=${from}&to=${to}`, { headers: auth })
    const body = await res.text()
    latencies.push(performance.now() - start)
    if (res.status !== 200) throw new Error(`GET analytics answered ${res.status}: ${body.slice(0, 300)}`)
    if (res.headers.get('x-cache') === 'MISS') misses++
    if (!checked) {
      const a = JSON.parse(body) as { days: unknown[]; videos: unknown[] }
      if (a.days.length !== DAYS || a.videos.length !== VIDEOS)
        throw new Error(`unexpected answer: ${a.days.length} days, ${a.videos.length} videos`)
      checked = true
    }
  }
  latencies.sort((a, b) => a - b)
  console.log(
    `\nGET /v1/channels/:id/analytics (${DAYS} days, ${VIDEOS} videos; ${misses}/${latencies.length} cache misses), in this one process:`,
  )
  console.log(
    `  p50 ${ms(percentile(latencies, 50))}   p95 ${ms(percentile(latencies, 95))}   p99 ${ms(percentile(latencies, 99))}   max ${ms(latencies.at(-1)!)}   (goal: p99 < 50 ms)`,
  )
  await deps.jobs.close()
  await deps.pipeline.close()
  await deps.bus.close()
  deps.redis.disconnect()
  await database.close()
} finally {
  await google.close()
  await servers.close()
}
