// Query keys and fetchers shared by several pages, so a write can invalidate exactly what it changed.
import { queryOptions } from '@tanstack/react-query'
import { unwrap } from './problem'
import { isPublishing, isUploading, WAITING_POLL_MS } from './publishing'
import { api } from './session'
import type { Video } from './types'

export const IN_FLIGHT_POLL_MS = 2000
export const isInFlight = (v: Pick<Video, 'status'>) => v.status === 'queued' || v.status === 'running'

/** How often a list of videos is polled: often while any renders or uploads, now and then while one waits for quota. */
export const pollInterval = (videos: Pick<Video, 'status' | 'youtube'>[]): number | false =>
  videos.some((v) => isInFlight(v) || isUploading(v)) ? IN_FLIGHT_POLL_MS : videos.some(isPublishing) ? WAITING_POLL_MS : false

export const meQuery = queryOptions({ queryKey: ['me'], queryFn: () => unwrap(api.v1.me.get()) })

export const channelsQuery = queryOptions({ queryKey: ['channels'], queryFn: () => unwrap(api.v1.channels.get()) })

export const channelQuery = (id: string) =>
  queryOptions({ queryKey: ['channels', id], queryFn: () => unwrap(api.v1.channels({ id }).get()) })

export const videoQuery = (id: string) => queryOptions({ queryKey: ['videos', id], queryFn: () => unwrap(api.v1.videos({ id }).get()) })

export const costQuery = (id: string) =>
  queryOptions({ queryKey: ['videos', id, 'cost'], queryFn: () => unwrap(api.v1.videos({ id }).cost.get()) })

export const monthCostQuery = (month: string) =>
  queryOptions({ queryKey: ['costs', month], queryFn: () => unwrap(api.v1.me.costs.get({ query: { month } })) })

export type AnalyticsRange = { from?: string; to?: string }

/**
 * Eden turns every date-looking string of a response into a Date, plain days (YYYY-MM-DD) included;
 * analytics days are labels in Pacific time, so they go back to the strings the core sent.
 */
const ymd = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v))
export function withDays<T extends { from: string; to: string; days?: { day: string }[]; lifetime?: { since: string | null } }>(a: T): T {
  return {
    ...a,
    from: ymd(a.from),
    to: ymd(a.to),
    ...(a.days ? { days: a.days.map((d) => ({ ...d, day: ymd(d.day) })) } : {}),
    ...(a.lifetime ? { lifetime: { ...a.lifetime, since: a.lifetime.since === null ? null : ymd(a.lifetime.since) } } : {}),
  }
}

/** Analytics are cached by the core for 60 s: asking more often shows nothing newer. */
const ANALYTICS_STALE_MS = 60_000

export const videoAnalyticsQuery = (id: string, range: AnalyticsRange = {}) =>
  queryOptions({
    queryKey: ['analytics', 'video', id, range],
    queryFn: () => unwrap(api.v1.videos({ id }).analytics.get({ query: range })).then(withDays),
    staleTime: ANALYTICS_STALE_MS,
  })

export const channelAnalyticsQuery = (id: string, range: AnalyticsRange = {}) =>
  queryOptions({
    queryKey: ['analytics', 'channel', id, range],
    queryFn: () => unwrap(api.v1.channels({ id }).analytics.get({ query: range })).then(withDays),
    staleTime: ANALYTICS_STALE_MS,
  })

export const monthAnalyticsQuery = (month: string) =>
  queryOptions({
    queryKey: ['analytics', 'month', month],
    queryFn: () => unwrap(api.v1.me.analytics.get({ query: { month } })).then(withDays),
    staleTime: ANALYTICS_STALE_MS,
  })

export const uploadsQuery = queryOptions({ queryKey: ['uploads'], queryFn: () => unwrap(api.v1.uploads.get()) })

/** YYYY-MM of this month and the months before it, oldest first. */
export function lastMonths(n: number, now = new Date()): string[] {
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (n - 1 - i), 1))
    return d.toISOString().slice(0, 7)
  })
}
