// YouTube quota, metered the way Google meters it: per Google project, per bucket, per Pacific-time
// day (both buckets reset at midnight Pacific, DST included). Every call is counted before it is
// made; a call that would overdraw a bucket waits for the reset instead. A quotaExceeded answer from
// Google marks the bucket spent whatever our count says (other clients of the project count too).
import type { YouTubeMethod } from '@ytempire/contract'
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db'
import { youtubeQuotaUsage } from '../../db/schema'
import { type Clock, nextZonedMidnight, zonedDate } from '../../infra/clock'
import type { YouTubeConfig } from './config'
import type { YouTubeMetrics } from './metrics'

export const QUOTA_TIME_ZONE = 'America/Los_Angeles'

export type Reservation = { granted: true; bucket: string } | { granted: false; bucket: string; resetAt: number }

export interface QuotaBucketStatus {
  bucket: string
  limit: number
  used: number
  remaining: number
  /** YouTube said quotaExceeded for this bucket today */
  spent: boolean
}

export interface QuotaLedger {
  reserve(method: YouTubeMethod): Promise<Reservation>
  /** YouTube answered quotaExceeded: nothing more from this bucket until the reset. */
  markSpent(bucket: string): Promise<{ resetAt: number }>
  bucketOf(method: YouTubeMethod): string
  status(): Promise<{ project: string; day: string; resetAt: number; buckets: QuotaBucketStatus[] }>
  /** The next Pacific midnight. */
  resetAt(): number
}

export function createQuotaLedger(db: Db, config: YouTubeConfig, clock: Clock, metrics: YouTubeMetrics): QuotaLedger {
  const today = () => zonedDate(clock(), QUOTA_TIME_ZONE)
  const resetAt = () => nextZonedMidnight(clock(), QUOTA_TIME_ZONE)

  return {
    bucketOf: (method) => config.quotaCosts[method].bucket,
    resetAt,
    async reserve(method) {
      const { bucket, units } = config.quotaCosts[method]
      const limit = config.quotaBuckets[bucket]!
      const day = today()
      if (units > limit) return { granted: false, bucket, resetAt: resetAt() }
      // One statement: concurrent reservations from any core instance cannot overdraw the bucket.
      const rows = await db
        .insert(youtubeQuotaUsage)
        .values({ project: config.project, day, bucket, used: units })
        .onConflictDoUpdate({
          target: [youtubeQuotaUsage.project, youtubeQuotaUsage.day, youtubeQuotaUsage.bucket],
          set: { used: sql`${youtubeQuotaUsage.used} + ${units}` },
          setWhere: sql`${youtubeQuotaUsage.spentAt} is null and ${youtubeQuotaUsage.used} + ${units} <= ${limit}`,
        })
        .returning({ used: youtubeQuotaUsage.used })
      if (!rows[0]) return { granted: false, bucket, resetAt: resetAt() }
      metrics.quotaUnits.inc({ bucket, method }, units)
      return { granted: true, bucket }
    },
    async markSpent(bucket) {
      const day = today()
      await db
        .insert(youtubeQuotaUsage)
        .values({ project: config.project, day, bucket, used: config.quotaBuckets[bucket] ?? 0, spentAt: new Date(clock()) })
        .onConflictDoUpdate({
          target: [youtubeQuotaUsage.project, youtubeQuotaUsage.day, youtubeQuotaUsage.bucket],
          set: { spentAt: new Date(clock()) },
        })
      return { resetAt: resetAt() }
    },
    async status() {
      const day = today()
      const rows = await db
        .select()
        .from(youtubeQuotaUsage)
        .where(and(eq(youtubeQuotaUsage.project, config.project), eq(youtubeQuotaUsage.day, day)))
      const buckets = Object.entries(config.quotaBuckets).map(([bucket, limit]) => {
        const row = rows.find((r) => r.bucket === bucket)
        const spent = Boolean(row?.spentAt)
        const used = row?.used ?? 0
        return { bucket, limit, used, remaining: spent ? 0 : Math.max(0, limit - used), spent }
      })
      return { project: config.project, day, resetAt: resetAt(), buckets }
    },
  }
}
