import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { cachedForUser } from '../../http/cached'
import { IdParams } from '../../http/schema'
import { zonedDate } from '../../infra/clock'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { ANALYTICS_TIME_ZONE } from './days'
import { ChannelAnalyticsView, MonthAnalyticsView, MonthQuery, RangeQuery, RefreshAllView, RefreshView, VideoAnalyticsView } from './model'
import type { AnalyticsService } from './service'

const USD_NOTE = ' Revenue is YouTube’s estimatedRevenue in USD, cost is the cost ledger’s USD; the answer says so in `currency`.'

export function analyticsModule(deps: Deps, analytics: AnalyticsService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'analytics-module', seed: deps.instanceId, detail: { tags: ['analytics'] } })
    .use(authGuard(deps, apiKeys))
    .get(
      '/videos/:id/analytics',
      (c) => cachedForUser(deps, c, 'analytics', () => analytics.video(c.principal.userId, c.params.id, c.query)),
      {
        auth: 'read',
        params: IdParams,
        query: RangeQuery,
        response: { 200: VideoAnalyticsView },
        detail: {
          summary: 'What a video did on YouTube, day by day, and its margin',
          description: `Daily views, watch time, average view duration, subscribers and revenue from YouTube Analytics, the totals, the video's whole cost and the margin (in the range and over its life). Cached 60 s.${USD_NOTE}`,
        },
      },
    )
    .get(
      '/channels/:id/analytics',
      (c) => cachedForUser(deps, c, 'analytics', () => analytics.channel(c.principal.userId, c.params.id, c.query)),
      {
        auth: 'read',
        params: IdParams,
        query: RangeQuery,
        response: { 200: ChannelAnalyticsView },
        detail: {
          summary: "A channel's days (views, watch time, revenue, cost, margin) and its videos by margin",
          description: `Per-day totals for the whole YouTube channel with the cost incurred that day, and every YouTube video of the channel (ours and those published elsewhere) sorted by margin. Cached 60 s.${USD_NOTE}`,
        },
      },
    )
    .get(
      '/me/analytics',
      (c) =>
        cachedForUser(deps, c, 'analytics', () =>
          analytics.month(c.principal.userId, c.query.month ?? zonedDate(deps.clock(), ANALYTICS_TIME_ZONE).slice(0, 7)),
        ),
      {
        auth: 'read',
        query: MonthQuery,
        response: { 200: MonthAnalyticsView },
        detail: {
          summary: "Every channel's month: views, revenue, cost and margin",
          description: `Cached 60 s.${USD_NOTE}`,
        },
      },
    )
    .post(
      '/analytics/channels/:id/refresh',
      async ({ principal, params, set }) => {
        set.status = 202
        return analytics.refresh(principal.userId, params.id)
      },
      {
        auth: 'write',
        params: IdParams,
        response: { 202: RefreshView },
        detail: {
          summary: "Ingest a channel's analytics now",
          description:
            'Queues one run (uploads poll, reports, statistics); a run already waiting is not doubled. Counted in the expensive_operations class (100 a day). Follow `sync` in GET /v1/channels/:id/analytics.',
        },
      },
    )
    .post(
      '/analytics/refresh',
      async ({ principal, set }) => {
        set.status = 202
        return analytics.refreshAll(principal.userId)
      },
      {
        auth: 'write',
        response: { 202: RefreshAllView },
        detail: { summary: 'Ingest every connected channel of yours now', description: 'One run per channel, as for one channel.' },
      },
    )
}

/** YouTube's WebSub hub: no user; the verification of intent (GET) and the signed deliveries (POST). */
export function websubModule(deps: Deps, analytics: AnalyticsService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'websub-module', seed: deps.instanceId, detail: { tags: ['analytics'] } })
    .use(authGuard(deps, apiKeys))
    .get(
      '/webhooks/youtube',
      async ({ query }) => new Response(await analytics.websub.verify(query), { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
      {
        anonymous: true,
        query: t.Record(t.String(), t.String()),
        detail: {
          summary: 'WebSub verification of intent',
          description:
            'The hub confirms a subscribe or unsubscribe: `hub.challenge` is echoed only for a request this installation made for that topic in the last hour; otherwise 404.',
          security: [],
        },
      },
    )
    .post(
      '/webhooks/youtube',
      async ({ request }) => analytics.websub.deliver(new Uint8Array(await request.arrayBuffer()), request.headers),
      {
        anonymous: true,
        parse: 'none',
        response: { 200: t.Object({ accepted: t.Number(), deleted: t.Number() }) },
        detail: {
          summary: 'WebSub delivery (YouTube Atom feed)',
          description:
            'Verified on the raw body (`X-Hub-Signature: sha1=<HMAC-SHA1>` with the subscription’s secret, compared in constant time) before it is read. A bad signature answers 403, a topic we hold no subscription for 404; neither changes anything.',
          security: [],
        },
      },
    )
}
