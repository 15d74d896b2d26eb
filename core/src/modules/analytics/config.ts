// Analytics settings, read once at start (from config.ts): how often each channel is ingested and
// how far back, and the WebSub hub the channels' feeds are subscribed at.
import { isPublicAddress } from '@ytempire/contract'
import { z } from '../../infra/env'

export interface AnalyticsConfig {
  /** Scheduled runs per channel and day, spread over the day by a hash of the channel id. */
  runsPerDay: number
  /** A channel's first run reaches this many days back. */
  backfillDays: number
  /** Later runs ingest again this many days before the last one ingested (YouTube revises recent days). */
  refreshDays: number
  /** A channel whose revenue YouTube refused (403) is asked again after this long. */
  revenueRetryS: number
  /** Channels ingested at once by one core instance. */
  concurrency: number
  /** Each poll of a channel's uploads reads at most this many pages of 50. */
  pollPages: number
  websub: WebSubConfig
}

export interface WebSubConfig {
  /** unset (WEBSUB_HUB_URL=off): no push; the uploads poll alone finds new videos */
  hubUrl?: string
  /** where the hub calls us: GET to verify, POST to deliver */
  callbackUrl: string
  /** hub.lease_seconds asked for */
  leaseS: number
  /** a lease is renewed when less than this is left */
  renewBeforeS: number
  /** hub topic of a YouTube channel's uploads feed */
  topicOf(youtubeChannelId: string): string
}

const YOUTUBE_FEED = 'https://www.youtube.com/xml/feeds/videos.xml?channel_id='

export function parseAnalyticsConfig(env: Record<string, string | undefined>, publicUrl: string): AnalyticsConfig {
  const runsPerDay = z.int(env, 'ANALYTICS_RUNS_PER_DAY', 1)
  if (runsPerDay < 1 || runsPerDay > 24 || 24 % runsPerDay !== 0)
    throw new Error(`ANALYTICS_RUNS_PER_DAY must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24), got ${runsPerDay}`)
  const callbackUrl = httpUrl('WEBSUB_CALLBACK_URL', env.WEBSUB_CALLBACK_URL || `${publicUrl}/webhooks/youtube`)
  // YouTube's hub is the default only where it can call us back (not http://localhost:3000).
  const hub = env.WEBSUB_HUB_URL || (reachable(callbackUrl) ? 'https://pubsubhubbub.appspot.com/subscribe' : 'off')
  const leaseS = z.int(env, 'WEBSUB_LEASE_SECONDS', 432_000)
  if (leaseS < 3600) throw new Error('WEBSUB_LEASE_SECONDS must be at least 3600')
  return {
    runsPerDay,
    backfillDays: Math.max(1, z.int(env, 'ANALYTICS_BACKFILL_DAYS', 30)),
    refreshDays: Math.max(1, z.int(env, 'ANALYTICS_REFRESH_DAYS', 3)),
    revenueRetryS: Math.round(z.number(env, 'ANALYTICS_REVENUE_RETRY_DAYS', 30) * 86400),
    concurrency: Math.max(1, z.int(env, 'ANALYTICS_CONCURRENCY', 4)),
    pollPages: 4,
    websub: {
      hubUrl: hub === 'off' ? undefined : httpUrl('WEBSUB_HUB_URL', hub),
      callbackUrl,
      leaseS,
      // A day before it lapses, or a fifth of a short lease: the hourly sweep has several tries.
      renewBeforeS: Math.min(86_400, Math.floor(leaseS / 5)),
      topicOf: (id) => `${YOUTUBE_FEED}${encodeURIComponent(id)}`,
    },
  }
}

function reachable(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return /:/.test(host) && isPublicAddress(host)
  return /^[\d.]+$/.test(host) ? isPublicAddress(host) : true
}

function httpUrl(name: string, raw: string): string {
  try {
    const u = new URL(raw)
    if (u.protocol === 'https:' || u.protocol === 'http:') return raw
  } catch {}
  throw new Error(`${name} must be an http(s) URL, got "${raw}"`)
}
