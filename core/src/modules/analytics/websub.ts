// WebSub (W3C) push from YouTube's hub: each connected channel's uploads feed is subscribed with a
// secret of its own; the hub's verification of intent is confirmed only while this installation has
// a request of that kind open for that topic; each delivery's X-Hub-Signature is checked on the raw
// body before anything in it is read; leases are renewed before they lapse by an hourly sweep.
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import { randomToken } from '../../crypto/hash'
import { websubSubscriptions, youtubeConnections } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { badRequest, notFound, Problem } from '../../http/problem'
import type { YouTubeService } from '../youtube/service'
import { AtomError, parseAtom, topicFromLinkHeader } from './atom'
import type { VideoCatalog } from './catalog'
import { verifyHubSignature } from './hub-signature'
import type { AnalyticsMetrics } from './metrics'

type SubscriptionRow = typeof websubSubscriptions.$inferSelect
const SECRET_CONTEXT = (channelId: string) => `websub-secret:${channelId}`
/** A hub that has not verified a request within this long is asked again by the sweep. */
const VERIFY_WINDOW_MS = 3600_000

export interface HubQuery {
  'hub.mode'?: string
  'hub.topic'?: string
  'hub.challenge'?: string
  'hub.lease_seconds'?: string
  'hub.reason'?: string
}

export function createWebSub(deps: Deps, youtube: YouTubeService, catalog: VideoCatalog, metrics: AnalyticsMetrics) {
  const db = deps.database.db
  const { clock, log, box } = deps
  const cfg = deps.config.analytics.websub

  async function askHub(mode: 'subscribe' | 'unsubscribe', topic: string, secret?: string) {
    if (!cfg.hubUrl) return
    const form = new URLSearchParams({
      'hub.callback': cfg.callbackUrl,
      'hub.mode': mode,
      'hub.topic': topic,
      'hub.verify': 'async',
      ...(mode === 'subscribe' ? { 'hub.lease_seconds': String(cfg.leaseS) } : {}),
      ...(secret ? { 'hub.secret': secret } : {}),
    })
    const res = await fetch(cfg.hubUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(15_000) })
    // 202: verification follows; 204: verified already (synchronous hubs).
    if (res.status !== 202 && res.status !== 204)
      throw new Error(`the WebSub hub answered ${res.status} to ${mode}: ${(await res.text()).slice(0, 300)}`)
  }

  const service = {
    enabled: Boolean(cfg.hubUrl),

    /** Subscribes (or renews) the channel's feed; the secret stays the same across renewals. */
    async subscribe(channelId: string) {
      if (!cfg.hubUrl) return null
      const conn = await youtube.connection(channelId)
      if (!conn) return null
      const topic = cfg.topicOf(conn.youtubeChannelId)
      const [existing] = await db.select().from(websubSubscriptions).where(eq(websubSubscriptions.channelId, channelId))
      const secret = existing && existing.topic === topic ? await box.open(existing.secretEnc, SECRET_CONTEXT(channelId)) : randomToken(32)
      const values = {
        youtubeChannelId: conn.youtubeChannelId,
        topic,
        secretEnc: await box.seal(secret, SECRET_CONTEXT(channelId)),
        state: existing?.state === 'active' && existing.topic === topic ? ('active' as const) : ('subscribing' as const),
        requestedAt: new Date(clock()),
        lastError: null,
      }
      await db
        .insert(websubSubscriptions)
        .values({ channelId, ...values })
        .onConflictDoUpdate({ target: websubSubscriptions.channelId, set: values })
      try {
        await askHub('subscribe', topic, secret)
      } catch (err) {
        await db
          .update(websubSubscriptions)
          .set({ lastError: (err as Error).message, ...(values.state === 'subscribing' ? { state: 'failed' as const } : {}) })
          .where(eq(websubSubscriptions.channelId, channelId))
        throw err
      }
      return topic
    },

    /**
     * Marks the subscription as being ended and answers its topic; `askToUnsubscribe` then asks the hub
     * (from a job). The row stays until the hub verifies, so only that request is confirmed.
     */
    async markUnsubscribing(channelId: string): Promise<string | null> {
      const [row] = await db
        .update(websubSubscriptions)
        .set({ state: 'unsubscribing', requestedAt: new Date(clock()) })
        .where(eq(websubSubscriptions.channelId, channelId))
        .returning({ topic: websubSubscriptions.topic })
      if (row && !cfg.hubUrl) await db.delete(websubSubscriptions).where(eq(websubSubscriptions.channelId, channelId))
      return row && cfg.hubUrl ? row.topic : null
    },

    async askToUnsubscribe(topic: string) {
      await askHub('unsubscribe', topic)
    },

    async unsubscribe(channelId: string) {
      const topic = await service.markUnsubscribing(channelId)
      if (topic) await askHub('unsubscribe', topic)
    },

    /**
     * The hub's verification of intent (GET): the challenge is echoed only for a request this
     * installation has open for that topic. An unsubscribe for a topic we hold nothing for is
     * confirmed too (it can only stop deliveries nobody here wants).
     */
    async verify(q: HubQuery): Promise<string> {
      const mode = q['hub.mode']
      const topic = q['hub.topic']
      const challenge = q['hub.challenge']
      if (mode === 'denied') {
        if (topic)
          await db
            .update(websubSubscriptions)
            .set({ state: 'failed', lastError: `the hub denied the subscription: ${q['hub.reason'] ?? 'no reason given'}` })
            .where(eq(websubSubscriptions.topic, topic))
        return ''
      }
      if (mode !== 'subscribe' && mode !== 'unsubscribe')
        throw badRequest('hub.mode must be subscribe, unsubscribe or denied', [{ field: 'hub.mode', message: 'unknown mode' }])
      if (!topic) throw badRequest('hub.topic is missing', [{ field: 'hub.topic', message: 'required' }])
      if (!challenge) throw badRequest('hub.challenge is missing', [{ field: 'hub.challenge', message: 'required' }])
      const [row] = await db.select().from(websubSubscriptions).where(eq(websubSubscriptions.topic, topic))
      const now = clock()
      const open = row && now - row.requestedAt.getTime() < VERIFY_WINDOW_MS
      if (mode === 'unsubscribe') {
        if (row && !(row.state === 'unsubscribing' && open)) throw notFound('Unsubscription request for this topic')
        if (row) await db.delete(websubSubscriptions).where(eq(websubSubscriptions.channelId, row.channelId))
        return challenge
      }
      if (!row || row.state === 'unsubscribing' || !open) throw notFound('Subscription request for this topic')
      const lease = Number(q['hub.lease_seconds'])
      const leaseS = Number.isInteger(lease) && lease > 0 ? lease : cfg.leaseS
      await db
        .update(websubSubscriptions)
        .set({ state: 'active', verifiedAt: new Date(now), leaseExpiresAt: new Date(now + leaseS * 1000), lastError: null })
        .where(eq(websubSubscriptions.channelId, row.channelId))
      log.info({ channelId: row.channelId, leaseS }, 'WebSub subscription verified')
      return challenge
    },

    /** A delivery (POST): signature first, then the Atom entries of that channel only. */
    async deliver(body: Uint8Array, headers: Headers) {
      const refused = (outcome: string, problem: Problem) => {
        metrics.deliveries.inc({ outcome })
        return problem
      }
      let topic = topicFromLinkHeader(headers.get('link'))
      // Hubs put the topic in the Link header; YouTube's feed also names itself in <link rel="self">.
      const xml = new TextDecoder().decode(body)
      if (!topic) topic = /<link[^>]*rel=["']self["'][^>]*href=["']([^"']+)["']/.exec(xml)?.[1] ?? null
      if (!topic) throw badRequest('The delivery names no topic (Link: <topic>; rel="self")', [{ field: 'link', message: 'required' }])
      const [row] = await db
        .select()
        .from(websubSubscriptions)
        .where(and(eq(websubSubscriptions.topic, topic), inArray(websubSubscriptions.state, ['active', 'subscribing'])))
      if (!row) throw refused('unknown_topic', notFound('Subscription for this topic'))
      const secret = await box.open(row.secretEnc, SECRET_CONTEXT(row.channelId))
      if (!verifyHubSignature(secret, body, headers.get('x-hub-signature')))
        throw refused(
          'bad_signature',
          new Problem(403, 'Forbidden', 'X-Hub-Signature does not match the body', {
            type: 'invalid-signature',
            errors: [{ field: 'x-hub-signature', message: 'missing or wrong' }],
          }),
        )
      let feed: ReturnType<typeof parseAtom>
      try {
        feed = parseAtom(xml)
      } catch (err) {
        if (err instanceof AtomError)
          throw refused(
            'malformed',
            badRequest(`The delivery is not a YouTube Atom feed: ${err.message}`, [{ field: 'body', message: err.message }]),
          )
        throw err
      }
      const [conn] = await db
        .select({ userId: youtubeConnections.userId })
        .from(youtubeConnections)
        .where(eq(youtubeConnections.channelId, row.channelId))
      if (!conn) return { accepted: 0, deleted: 0 }
      const channel = { channelId: row.channelId, userId: conn.userId }
      // Entries about another channel have no business in this feed: skipped.
      const entries = feed.entries.filter((e) => e.youtubeChannelId === row.youtubeChannelId)
      await catalog.seen(channel, entries, 'websub')
      let deleted = 0
      for (const d of feed.deleted) {
        if (d.youtubeChannelId && d.youtubeChannelId !== row.youtubeChannelId) continue
        if (await catalog.deleted(channel, d.youtubeVideoId, new Date(d.deletedAt ?? clock()))) deleted++
      }
      await db
        .update(websubSubscriptions)
        .set({ lastDeliveryAt: new Date(clock()) })
        .where(eq(websubSubscriptions.channelId, row.channelId))
      await invalidateUser(deps, conn.userId)
      metrics.deliveries.inc({ outcome: 'accepted' })
      return { accepted: entries.length, deleted }
    },

    /**
     * The hourly sweep: renews leases that lapse within the margin, asks again where the hub never
     * verified or refused, subscribes connected channels that have no subscription, and lets go of
     * channels no longer connected. Answers what it asked the hub for.
     */
    async sweep() {
      if (!cfg.hubUrl) return { renewed: 0, subscribed: 0, dropped: 0 }
      const now = clock()
      const due = await db
        .select({ channelId: websubSubscriptions.channelId, state: websubSubscriptions.state })
        .from(websubSubscriptions)
        .where(
          or(
            and(eq(websubSubscriptions.state, 'active'), lt(websubSubscriptions.leaseExpiresAt, new Date(now + cfg.renewBeforeS * 1000))),
            and(
              inArray(websubSubscriptions.state, ['subscribing', 'failed']),
              lt(websubSubscriptions.requestedAt, new Date(now - VERIFY_WINDOW_MS)),
            ),
          ),
        )
      const missing = await db
        .select({ channelId: youtubeConnections.channelId })
        .from(youtubeConnections)
        .leftJoin(websubSubscriptions, eq(websubSubscriptions.channelId, youtubeConnections.channelId))
        .where(and(isNull(websubSubscriptions.channelId), eq(youtubeConnections.status, 'connected')))
      const orphans = await db
        .select({ channelId: websubSubscriptions.channelId })
        .from(websubSubscriptions)
        .where(
          and(
            sql`${websubSubscriptions.state} <> 'unsubscribing'`,
            sql`not exists (select 1 from ${youtubeConnections} c where c.channel_id = ${websubSubscriptions.channelId})`,
          ),
        )
      let renewed = 0
      let subscribed = 0
      for (const { channelId } of due)
        await service
          .subscribe(channelId)
          .then(() => renewed++)
          .catch((err) => log.warn({ err, channelId }, 'WebSub renewal failed; the next sweep tries again'))
      for (const { channelId } of missing)
        await service
          .subscribe(channelId)
          .then(() => subscribed++)
          .catch((err) => log.warn({ err, channelId }, 'WebSub subscription failed; the next sweep tries again'))
      for (const { channelId } of orphans)
        await service.unsubscribe(channelId).catch((err) => log.warn({ err, channelId }, 'WebSub unsubscribe failed'))
      return { renewed, subscribed, dropped: orphans.length }
    },

    async status(channelId: string): Promise<SubscriptionRow | undefined> {
      const [row] = await db.select().from(websubSubscriptions).where(eq(websubSubscriptions.channelId, channelId))
      return row
    },
  }
  return service
}
export type WebSub = ReturnType<typeof createWebSub>
