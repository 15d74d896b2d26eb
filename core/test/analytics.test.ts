// Analytics through the real googleapis SDK against the local Google-format server (Data API,
// Analytics API v2 reports.query, a WebSub hub that calls the core's callback through the app).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { atomDeletedFeed, atomEntryFeed, FakeGoogle } from '@ytempire/test-support/google'
import { asc, eq } from 'drizzle-orm'
import { analyticsChannels, costLedger, videoAnalyticsDaily, videoPublications, websubSubscriptions, youtubeVideos } from '../src/db/schema'
import { movableClock } from '../src/infra/clock'
import { parseAtom } from '../src/modules/analytics/atom'
import { parseAnalyticsConfig } from '../src/modules/analytics/config'
import { addDays, lastCompleteDay } from '../src/modules/analytics/days'
import { verifyHubSignature } from '../src/modules/analytics/hub-signature'
import { ingestPattern } from '../src/modules/analytics/service'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { type Core, json, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo, youtubeAccount } from './youtube-helpers'

const google = await new FakeGoogle().start()
const env = await testEnv((c) => ({
  ...c,
  youtube: parseYouTubeConfig(google.env(), c.publicUrl),
  analytics: parseAnalyticsConfig(google.env(), c.publicUrl),
}))
const clock = movableClock()
let core: Core
beforeAll(async () => {
  core = await env.core((c) => c, { clock, analytics: true })
  // The hub reaches the callback through the app itself (no socket): the whole HTTP layer still runs.
  google.hub.fetch = (url, init) => core.app.handle(new Request(url, init))
})
afterAll(() => google.close())

const db = () => core.deps.database.db
const daysAgo = (n: number) => addDays(lastCompleteDay(clock), 1 - n)

async function channelOf(token: string, name = 'Facts') {
  return json(await core.request('/v1/channels', { method: 'POST', token, json: { name, niche: 'facts' } }))
}

/** An operator with a connected channel that has one video of ours on YouTube (and its cost) and one published elsewhere. */
async function setup(opts: { partner?: boolean; monetary?: boolean } = {}) {
  const user = await signUp(core)
  const ch = await channelOf(user.accessToken)
  const account = youtubeAccount({ partner: opts.partner ?? true })
  const channel = account.channel!
  const ours = await finishedVideo(core, user.accessToken, ch.id, { bytes: 1000 })
  const ourYt = google.addVideo(channel, { title: 'Five Odd Facts About Octopuses', publishedAt: `${daysAgo(40)}T15:00:00Z` })
  await db().insert(videoPublications).values({
    videoId: ours.id,
    userId: user.user.id,
    channelId: ch.id,
    status: 'published',
    privacy: 'public',
    grantHash: 'x',
    youtubeVideoId: ourYt,
    youtubeChannelId: channel.id,
    uploadedAt: new Date(),
    thumbnail: 'set',
  })
  await db()
    .insert(costLedger)
    .values({
      userId: user.user.id,
      videoId: ours.id,
      eventKey: `test:${ours.id}:cost`,
      stage: 'render',
      kind: 'compute',
      item: 'libx264:cpu',
      quantity: 1,
      unit: 'second',
      unitPriceUsd: 0.75,
      amountUsd: 0.75,
      createdAt: new Date(`${daysAgo(3)}T20:00:00Z`),
    })
  const external = google.addVideo(channel, { title: 'Filmed on my phone', publishedAt: `${daysAgo(10)}T15:00:00Z` })
  await connectChannel(core, google, user.accessToken, ch.id, account, { monetaryAnalytics: opts.monetary ?? true })
  // Connecting schedules the channel and runs it once at once.
  await ranOnce(ch.id)
  return { user, ch, account, channel, ours, ourYt, external }
}

async function ranOnce(channelId: string, after = 0) {
  return waitUntil(
    async () => {
      const [s] = await db().select().from(analyticsChannels).where(eq(analyticsChannels.channelId, channelId))
      return s?.lastRunAt && s.lastRunAt.getTime() > after && s
    },
    { what: 'an analytics run of the channel', timeoutMs: 20_000 },
  )
}

const videoRows = (channelId: string) =>
  db()
    .select()
    .from(videoAnalyticsDaily)
    .where(eq(videoAnalyticsDaily.channelId, channelId))
    .orderBy(asc(videoAnalyticsDaily.youtubeVideoId), asc(videoAnalyticsDaily.day))

const revenueQueries = () => google.calls('GET', '/v2/reports').filter((r) => r.query.get('metrics')?.includes('estimatedRevenue')).length

describe('ingestion', () => {
  test('a connected channel is ingested: daily rows per video and per channel, USD, margin against the ledger; quota counted', async () => {
    const before = await core.services.youtube.quota.status()
    const { user, ch, ours, ourYt, external, channel } = await setup()
    const state = (await db().select().from(analyticsChannels).where(eq(analyticsChannels.channelId, ch.id)))[0]!
    expect(state).toMatchObject({ lastRunStatus: 'ok', revenue: 'available', ingestedThrough: lastCompleteDay(clock) })

    // 30 days of each video since it was published; the external one joined the catalogue from the uploads poll.
    const rows = await videoRows(ch.id)
    expect(rows.filter((r) => r.youtubeVideoId === ourYt)).toHaveLength(30)
    expect(rows.filter((r) => r.youtubeVideoId === external)).toHaveLength(10)
    const known = await db().select().from(youtubeVideos).where(eq(youtubeVideos.channelId, ch.id))
    expect(known.find((v) => v.youtubeVideoId === external)).toMatchObject({
      source: 'external',
      firstSeenVia: 'poll',
      title: 'Filmed on my phone',
    })
    expect(known.find((v) => v.youtubeVideoId === ourYt)).toMatchObject({ source: 'platform', videoId: ours.id })
    expect(known.find((v) => v.youtubeVideoId === ourYt)!.views).toBeGreaterThan(0)

    // The video's analytics: the fake's figures, the ledger's cost, the margin, in USD.
    const from = daysAgo(30)
    const to = lastCompleteDay(clock)
    const res = await core.request(`/v1/videos/${ours.id}/analytics?from=${from}&to=${to}`, { token: user.accessToken })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private, max-age=60')
    const va = await json(res)
    let views = 0
    let revenue = 0
    for (let d = from; d <= to; d = addDays(d, 1)) {
      views += google.metricsOf(ourYt, d).views
      revenue += google.metricsOf(ourYt, d).estimatedRevenue
    }
    expect(va.currency).toBe('USD')
    expect(va.currencyNote).toContain('USD')
    expect(va.days).toHaveLength(30)
    expect(va.totals.views).toBe(views)
    expect(va.totals.revenueUsd).toBeCloseTo(revenue, 5)
    expect(va.costUsd).toBe(0.75)
    expect(va.marginUsd).toBeCloseTo(revenue - 0.75, 5)
    expect(va.revenue.status).toBe('available')
    expect(va.youtube).toMatchObject({ status: 'live', url: `https://www.youtube.com/watch?v=${ourYt}` })
    // Cached per the analytics TTL.
    expect(
      (await core.request(`/v1/videos/${ours.id}/analytics?from=${from}&to=${to}`, { token: user.accessToken })).headers.get('x-cache'),
    ).toBe('HIT')

    // The channel: each day's totals with that day's cost; every video by margin.
    const ca = await json(await core.request(`/v1/channels/${ch.id}/analytics?from=${from}&to=${to}`, { token: user.accessToken }))
    const costDay = ca.days.find((d: { day: string }) => d.day === daysAgo(3))
    expect(costDay.costUsd).toBe(0.75)
    const channelViews = google.metricsOf(ourYt, daysAgo(3)).views + google.metricsOf(external, daysAgo(3)).views
    expect(costDay.views).toBe(channelViews)
    expect(ca.videos.map((v: { youtubeVideoId: string }) => v.youtubeVideoId).sort()).toEqual([ourYt, external].sort())
    const margins = ca.videos.map((v: { marginUsd: number }) => v.marginUsd)
    expect(margins).toEqual([...margins].sort((a, b) => b - a))
    expect(ca.videos.find((v: { source: string }) => v.source === 'external').costUsd).toBe(0)
    expect(ca.sync.lastRunStatus).toBe('ok')

    // The month across channels.
    const month = daysAgo(3).slice(0, 7)
    const me = await json(await core.request(`/v1/me/analytics?month=${month}`, { token: user.accessToken }))
    expect(me.currency).toBe('USD')
    expect(me.channels[0]).toMatchObject({ channelId: ch.id, costUsd: 0.75 })
    expect(me.channels[0].views).toBeGreaterThan(0)

    // Every call was counted against the shared bucket.
    const after = await core.services.youtube.quota.status()
    const used = (s: typeof after) => s.buckets.find((b) => b.bucket === 'default')!.used
    expect(used(after) - used(before)).toBeGreaterThanOrEqual(state.lastRunUnits!)
    expect(state.lastRunUnits).toBe(1 + 1 + 1 + 30 + 1) // channels.list, playlistItems, day report, 30 video reports, videos.list
    expect(channel.partner).toBe(true)
  })

  test('a day ingested again yields the same rows; a revised figure updates its row only', async () => {
    const { ch, ourYt } = await setup()
    const first = await videoRows(ch.id)
    await core.services.analytics.ingestion.run(ch.id)
    expect(await videoRows(ch.id)).toEqual(first)

    const day = lastCompleteDay(clock)
    google.setDayMetrics(ourYt, day, { views: 123_456 })
    await core.services.analytics.ingestion.run(ch.id)
    const revised = await videoRows(ch.id)
    expect(revised).toHaveLength(first.length)
    const changed = revised.filter((r, i) => JSON.stringify(r) !== JSON.stringify(first[i]))
    expect(changed.map((r) => [r.youtubeVideoId, r.day, r.views])).toEqual([[ourYt, day, 123_456]])
  })

  test("YouTube's 403 on revenue for a channel outside the Partner Program is remembered, not asked again every run", async () => {
    const before = revenueQueries()
    const { user, ch, ours } = await setup({ partner: false })
    expect(revenueQueries() - before).toBe(1)
    const [s] = await db().select().from(analyticsChannels).where(eq(analyticsChannels.channelId, ch.id))
    expect(s).toMatchObject({ revenue: 'forbidden', lastRunStatus: 'ok' })
    // The other figures came in without revenue.
    const rows = await videoRows(ch.id)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.revenueUsd === null && r.views > 0)).toBe(true)

    await core.services.analytics.ingestion.run(ch.id)
    await core.services.analytics.ingestion.run(ch.id)
    expect(revenueQueries() - before).toBe(1)

    const va = await json(await core.request(`/v1/videos/${ours.id}/analytics`, { token: user.accessToken }))
    expect(va.revenue.status).toBe('forbidden')
    expect(va.revenue.message).toContain('Partner Program')
    expect(va.marginUsd).toBe(-0.75)

    // After the retry period YouTube is asked once more.
    clock.set(Date.now() + 31 * 86_400_000)
    try {
      await core.services.analytics.ingestion.run(ch.id)
    } finally {
      clock.set(Date.now())
    }
    expect(revenueQueries() - before).toBe(2)
  })

  test('a channel connected without the monetary scope never asks for revenue, until it is connected with it', async () => {
    const before = revenueQueries()
    const { ch, user, account } = await setup({ monetary: false })
    expect(revenueQueries()).toBe(before)
    const [s] = await db().select().from(analyticsChannels).where(eq(analyticsChannels.channelId, ch.id))
    expect(s!.revenue).toBe('not_granted')
    expect((await videoRows(ch.id)).every((r) => r.revenueUsd === null)).toBe(true)

    // Connected again with revenue: the whole backfill comes again, now with revenue.
    await connectChannel(core, google, user.accessToken, ch.id, account, { monetaryAnalytics: true })
    const again = await ranOnce(ch.id, s!.lastRunAt!.getTime())
    expect(again).toMatchObject({ revenue: 'available', lastRunStatus: 'ok' })
    expect(revenueQueries()).toBeGreaterThan(before)
    const rows = await videoRows(ch.id)
    expect(rows.length).toBeGreaterThanOrEqual(30)
    expect(rows.every((r) => r.revenueUsd !== null)).toBe(true)
  })

  test('a video published outside the platform and missed by push is caught by the uploads poll', async () => {
    const { user, ch, channel } = await setup()
    const missed = google.addVideo(channel, { title: 'Uploaded from the studio app' })
    const [before] = await db().select().from(youtubeVideos).where(eq(youtubeVideos.youtubeVideoId, missed))
    expect(before).toBeUndefined()
    const refreshed = await core.request(`/v1/analytics/channels/${ch.id}/refresh`, { method: 'POST', token: user.accessToken })
    expect(refreshed.status).toBe(202)
    const [row] = await waitUntil(
      () =>
        db()
          .select()
          .from(youtubeVideos)
          .where(eq(youtubeVideos.youtubeVideoId, missed))
          .then((r) => r.length > 0 && r),
      {
        what: 'the poll to find the video',
        timeoutMs: 20_000,
      },
    )
    expect(row).toMatchObject({ source: 'external', firstSeenVia: 'poll', title: 'Uploaded from the studio app', channelId: ch.id })
  })

  test('a video YouTube no longer has is marked deleted by the statistics call', async () => {
    const { user, ch, ours, ourYt } = await setup()
    google.deleteVideo(ourYt)
    await core.services.analytics.ingestion.run(ch.id)
    const va = await json(await core.request(`/v1/videos/${ours.id}/analytics?to=${lastCompleteDay(clock)}`, { token: user.accessToken }))
    expect(va.youtube.status).toBe('deleted')
    // Its figures stay.
    expect(va.totals.views).toBeGreaterThan(0)
  })
})

describe("the owner's data export", () => {
  test("holds the channels' YouTube videos and daily figures as ingested; another user's export holds none", async () => {
    const { user, ch, ourYt, external } = await setup()
    const data = await json(await core.request('/v1/me/export', { token: user.accessToken }))
    expect(data.analytics.youtubeVideos.map((v: { youtubeVideoId: string }) => v.youtubeVideoId).sort()).toEqual([ourYt, external].sort())
    expect(data.analytics.videoDays).toHaveLength((await videoRows(ch.id)).length)
    expect(data.analytics.channelDays.length).toBeGreaterThan(0)
    expect(data.analytics.channelDays.every((d: { channelId: string }) => d.channelId === ch.id)).toBe(true)
    const other = await signUp(core)
    const theirs = await json(await core.request('/v1/me/export', { token: other.accessToken }))
    expect(theirs.analytics).toEqual({ youtubeVideos: [], channelDays: [], videoDays: [] })
  })
})

describe('WebSub', () => {
  const subscriptionOf = async (channelId: string) =>
    (await db().select().from(websubSubscriptions).where(eq(websubSubscriptions.channelId, channelId)))[0]

  async function subscribed(channelId: string) {
    return waitUntil(
      async () => {
        await google.hub.settled()
        const s = await subscriptionOf(channelId)
        return s?.state === 'active' && s
      },
      { what: 'the hub to verify the subscription', timeoutMs: 20_000 },
    )
  }

  const hubSubscription = (topic: string) => [...google.hub.subscriptions.values()].find((s) => s.topic === topic)!

  test('connecting subscribes the feed; the hub verifies; deliveries update our video, record outside videos and deletions', async () => {
    const { user, ch, channel, ours, ourYt } = await setup()
    const sub = await subscribed(ch.id)
    expect(sub.topic).toBe(`https://www.youtube.com/xml/feeds/videos.xml?channel_id=${channel.id}`)
    expect(sub.leaseExpiresAt!.getTime()).toBeGreaterThan(clock() + 86_400_000)
    const request = google.hub.requests.find((r) => r.topic === sub.topic)!
    expect(request).toMatchObject({ mode: 'subscribe', callback: `${env.config.publicUrl}/webhooks/youtube` })
    expect(request.secret!.length).toBeGreaterThanOrEqual(32)

    // Our video renamed on YouTube: our title follows.
    const [renamed] = await google.hub.publish(
      sub.topic,
      atomEntryFeed({ videoId: ourYt, channelId: channel.id, title: 'Octopuses, Explained' }),
    )
    expect(renamed!.status).toBe(200)
    const video = await json(await core.request(`/v1/videos/${ours.id}`, { token: user.accessToken }))
    expect(video.title).toBe('Octopuses, Explained')
    expect(video.youtube.deletedOnYouTubeAt).toBeNull()

    // Published elsewhere: recorded as an outside video.
    const published = '2026-01-05T10:00:00.000Z'
    await google.hub.publish(
      sub.topic,
      atomEntryFeed({ videoId: 'EXTERNAL001', channelId: channel.id, title: 'Live Q&A <replay>', published }),
    )
    const [outside] = await db().select().from(youtubeVideos).where(eq(youtubeVideos.youtubeVideoId, 'EXTERNAL001'))
    expect(outside).toMatchObject({ source: 'external', firstSeenVia: 'websub', title: 'Live Q&A <replay>', channelId: ch.id })
    expect(outside!.publishedAt!.toISOString()).toBe(published)

    // Our video published on YouTube (a scheduled one going public): the video says when.
    const live = '2026-01-06T09:00:00.000Z'
    await google.hub.publish(
      sub.topic,
      atomEntryFeed({ videoId: ourYt, channelId: channel.id, title: 'Octopuses, Explained', published: live }),
    )
    expect((await json(await core.request(`/v1/videos/${ours.id}`, { token: user.accessToken }))).youtube.youtubePublishedAt).toBe(live)

    // Deleted on YouTube: the catalogue and our video's publication both say so.
    await google.hub.publish(sub.topic, atomDeletedFeed({ videoId: ourYt, channelId: channel.id }))
    const [gone] = await db().select().from(youtubeVideos).where(eq(youtubeVideos.youtubeVideoId, ourYt))
    expect(gone!.deletedAt).not.toBeNull()
    const deleted = (await json(await core.request(`/v1/videos/${ours.id}`, { token: user.accessToken }))).youtube
    expect(deleted.deletedOnYouTubeAt).toBe(gone!.deletedAt!.toISOString())
    expect(deleted.message).toStartWith('deleted on YouTube at ')
    const [last] = await db().select().from(websubSubscriptions).where(eq(websubSubscriptions.channelId, ch.id))
    expect(last!.lastDeliveryAt).not.toBeNull()
  })

  test('a delivery with a bad signature, or for a topic we never subscribed, is refused and changes nothing', async () => {
    const { ch, channel, ourYt } = await setup()
    const sub = await subscribed(ch.id)
    const snapshot = () =>
      db().select().from(youtubeVideos).where(eq(youtubeVideos.channelId, ch.id)).orderBy(asc(youtubeVideos.youtubeVideoId))
    const before = await snapshot()
    const feed = atomEntryFeed({ videoId: ourYt, channelId: channel.id, title: 'Hijacked title' })

    const forged = await google.hub.deliver(
      { callback: `${env.config.publicUrl}/webhooks/youtube`, topic: sub.topic, secret: 'not-the-secret' },
      feed,
    )
    expect(forged.status).toBe(403)
    expect(forged.headers.get('content-type')).toContain('application/problem+json')
    const unsigned = await google.hub.deliver({ callback: `${env.config.publicUrl}/webhooks/youtube`, topic: sub.topic }, feed)
    expect(unsigned.status).toBe(403)

    const otherTopic = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCnobodyasked'
    const stranger = await google.hub.deliver(
      { callback: `${env.config.publicUrl}/webhooks/youtube`, topic: otherTopic, secret: hubSubscription(sub.topic).secret },
      atomEntryFeed({ videoId: 'STRANGER01', channelId: 'UCnobodyasked', title: 'Spam' }),
    )
    expect(stranger.status).toBe(404)
    expect(await snapshot()).toEqual(before)
    expect(await db().select().from(youtubeVideos).where(eq(youtubeVideos.youtubeVideoId, 'STRANGER01'))).toEqual([])
    const metrics = await (await core.request('/metrics')).text()
    expect(metrics).toMatch(/websub_deliveries_total\{outcome="bad_signature"\} [2-9]/)
    expect(metrics).toMatch(/websub_deliveries_total\{outcome="unknown_topic"\} [1-9]/)
  })

  test('the verification of intent is confirmed only for requests this installation made', async () => {
    const { ch } = await setup()
    const sub = await subscribed(ch.id)
    const verify = (q: Record<string, string>) => core.request(`/webhooks/youtube?${new URLSearchParams(q)}`)
    // A topic never asked for.
    const stranger = await verify({
      'hub.mode': 'subscribe',
      'hub.topic': 'https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCsomeoneelse',
      'hub.challenge': 'c1',
      'hub.lease_seconds': '864000',
    })
    expect(stranger.status).toBe(404)
    expect(await stranger.text()).not.toBe('c1')
    // Our topic, but long after we asked (someone else asking the hub in our name).
    clock.set(Date.now() + 2 * 3600_000)
    try {
      const late = await verify({ 'hub.mode': 'subscribe', 'hub.topic': sub.topic, 'hub.challenge': 'c2', 'hub.lease_seconds': '60' })
      expect(late.status).toBe(404)
      const unsub = await verify({ 'hub.mode': 'unsubscribe', 'hub.topic': sub.topic, 'hub.challenge': 'c3' })
      expect(unsub.status).toBe(404)
    } finally {
      clock.set(Date.now())
    }
    expect(await subscriptionOf(ch.id)).toMatchObject({ state: 'active', leaseExpiresAt: sub.leaseExpiresAt })
  })

  test('a lease about to lapse is renewed by the sweep', async () => {
    const { ch } = await setup()
    const sub = await subscribed(ch.id)
    const requests = () => google.hub.requests.filter((r) => r.topic === sub.topic && r.mode === 'subscribe')
    expect(requests()).toHaveLength(1)
    // Nothing is due yet.
    await core.services.analytics.websub.sweep()
    expect(requests()).toHaveLength(1)

    const renewBefore = env.config.analytics.websub.renewBeforeS * 1000
    clock.set(sub.leaseExpiresAt!.getTime() - renewBefore + 60_000)
    try {
      const swept = await core.services.analytics.websub.sweep()
      expect(swept.renewed).toBeGreaterThanOrEqual(1)
      expect(requests()).toHaveLength(2)
      // The same secret: deliveries in flight stay valid.
      expect(requests()[1]!.secret).toBe(requests()[0]!.secret)
      const renewed = await waitUntil(
        async () => {
          await google.hub.settled()
          const s = await subscriptionOf(ch.id)
          return s && s.leaseExpiresAt!.getTime() > sub.leaseExpiresAt!.getTime() && s
        },
        { what: 'the renewed lease' },
      )
      expect(renewed.state).toBe('active')
    } finally {
      clock.set(Date.now())
    }
  })

  test('disconnecting unsubscribes at the hub', async () => {
    const { user, ch } = await setup()
    const sub = await subscribed(ch.id)
    expect((await core.request(`/v1/channels/${ch.id}/youtube`, { method: 'DELETE', token: user.accessToken })).status).toBe(200)
    await waitUntil(
      async () => {
        await google.hub.settled()
        return !(await subscriptionOf(ch.id)) && !hubSubscription(sub.topic)
      },
      { what: 'the hub to drop the subscription' },
    )
    expect(google.hub.verifications.filter((v) => v.topic === sub.topic && v.mode === 'unsubscribe' && v.confirmed)).toHaveLength(1)
  })
})

describe('the API', () => {
  test("another user's video or channel analytics answer 404; so does their refresh", async () => {
    const { ch, ours } = await setup()
    const stranger = await signUp(core)
    for (const path of [`/v1/videos/${ours.id}/analytics`, `/v1/channels/${ch.id}/analytics`]) {
      const res = await core.request(path, { token: stranger.accessToken })
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await core.request(`/v1/analytics/channels/${ch.id}/refresh`, { method: 'POST', token: stranger.accessToken })).status).toBe(
      404,
    )
    const mine = await json(await core.request('/v1/me/analytics', { token: stranger.accessToken }))
    expect(mine.channels).toEqual([])
  })

  test('a channel not connected to YouTube answers its days (cost only) and no videos', async () => {
    const user = await signUp(core)
    const ch = await channelOf(user.accessToken)
    const res = await core.request(`/v1/channels/${ch.id}/analytics`, { token: user.accessToken })
    const body = await json(res)
    expect(res.status).toBe(200)
    expect(body).toMatchObject({ youtube: null, videos: [], revenue: { status: 'unknown' }, sync: { lastRunAt: null } })
    expect(body.days).toHaveLength(28)
  })

  test('a bad range names its field', async () => {
    const { user, ch } = await setup()
    const bad = await core.request(`/v1/channels/${ch.id}/analytics?from=2026-13-40`, { token: user.accessToken })
    expect(bad.status).toBe(422)
    expect((await json(bad)).errors).toEqual([{ field: 'from', message: 'a date, YYYY-MM-DD' }])
    const reversed = await core.request(`/v1/channels/${ch.id}/analytics?from=2026-02-10&to=2026-02-01`, { token: user.accessToken })
    expect(reversed.status).toBe(422)
    expect((await json(reversed)).errors[0].field).toBe('from')
    expect((await core.request('/v1/me/analytics?month=2026-1', { token: user.accessToken })).status).toBe(422)
  })
})

describe('pieces', () => {
  test('Atom: entries, tombstones and the self link; nanosecond times', () => {
    const feed = parseAtom(atomEntryFeed({ videoId: 'abc', channelId: 'UCx', title: 'A & B', published: '2026-01-02T03:04:05.000Z' }))
    expect(feed.topic).toBe('https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCx')
    expect(feed.entries).toEqual([
      {
        youtubeVideoId: 'abc',
        youtubeChannelId: 'UCx',
        title: 'A & B',
        publishedAt: '2026-01-02T03:04:05.000Z',
        updatedAt: '2026-01-02T03:04:05.552Z',
      },
    ])
    expect(parseAtom(atomDeletedFeed({ videoId: 'gone', channelId: 'UCx', when: '2026-01-03T00:00:00.000Z' })).deleted).toEqual([
      { youtubeVideoId: 'gone', youtubeChannelId: 'UCx', deletedAt: '2026-01-03T00:00:00.000Z' },
    ])
    expect(() => parseAtom('<html>')).toThrow()
  })

  test('X-Hub-Signature: sha1 HMAC of the raw body', () => {
    const body = new TextEncoder().encode('<feed/>')
    const good = `sha1=${new Bun.CryptoHasher('sha1', 'secret').update(body).digest('hex')}`
    expect(verifyHubSignature('secret', body, good)).toBe(true)
    expect(verifyHubSignature('other', body, good)).toBe(false)
    expect(verifyHubSignature('secret', body, 'sha1=abcd')).toBe(false)
    expect(verifyHubSignature('secret', body, null)).toBe(false)
  })

  test('schedules spread channels over the day', () => {
    const minutes = new Set<string>()
    for (let i = 0; i < 200; i++) minutes.add(ingestPattern(crypto.randomUUID(), 1))
    expect(minutes.size).toBeGreaterThan(150)
    const [minute, hours] = ingestPattern('c0ffee00-0000-4000-8000-000000000000', 4).split(' ')
    expect(
      hours!
        .split(',')
        .map(Number)
        .map((h, i, all) => (i ? h - all[i - 1]! : 6)),
    ).toEqual([6, 6, 6, 6])
    expect(Number(minute)).toBeLessThan(60)
  })
})
