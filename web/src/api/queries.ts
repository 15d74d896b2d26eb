// Query keys and fetchers shared by several pages, so a write can invalidate exactly what it changed.
import { queryOptions } from '@tanstack/react-query'
import { unwrap } from './problem'
import { api } from './session'
import type { Video } from './types'

export const IN_FLIGHT_POLL_MS = 2000
export const isInFlight = (v: Pick<Video, 'status'>) => v.status === 'queued' || v.status === 'running'

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

/** Analytics are cached by the core for 60 s: asking more often shows nothing newer. */
const ANALYTICS_STALE_MS = 60_000

export const videoAnalyticsQuery = (id: string, range: AnalyticsRange = {}) =>
  queryOptions({
    queryKey: ['analytics', 'video', id, range],
    queryFn: () => unwrap(api.v1.videos({ id }).analytics.get({ query: range })),
    staleTime: ANALYTICS_STALE_MS,
  })

export const channelAnalyticsQuery = (id: string, range: AnalyticsRange = {}) =>
  queryOptions({
    queryKey: ['analytics', 'channel', id, range],
    queryFn: () => unwrap(api.v1.channels({ id }).analytics.get({ query: range })),
    staleTime: ANALYTICS_STALE_MS,
  })

export const monthAnalyticsQuery = (month: string) =>
  queryOptions({
    queryKey: ['analytics', 'month', month],
    queryFn: () => unwrap(api.v1.me.analytics.get({ query: { month } })),
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
