// Which plan a subscription grants right now, and the error every limit answers with.
import type { Entitlements, Plan } from '@ytempire/contract'
import { and, count, eq, gt, isNotNull, sql, sum } from 'drizzle-orm'
import type { Db } from '../../db'
import { costLedger, uploads, videos } from '../../db/schema'
import { type FieldError, Problem } from '../../http/problem'

export interface SubscriptionFacts {
  subscribedPlan: Plan | null
  subscriptionStatus: string | null
  currentPeriodEnd: Date | null
  pastDueSince: Date | null
}

/**
 * The plan held at `now`, and until when it holds without another event (then it must be looked at
 * again). active/trialing grant the plan; past_due keeps it for the grace period; unpaid and
 * canceled keep it to the end of the paid period; anything else is free.
 */
export function heldPlan(s: SubscriptionFacts, now: Date, pastDueGraceS: number): { plan: Plan; until?: Date } {
  if (!s.subscribedPlan || !s.subscriptionStatus) return { plan: 'free' }
  switch (s.subscriptionStatus) {
    case 'active':
    case 'trialing':
      return { plan: s.subscribedPlan }
    case 'past_due': {
      const graceEnd = new Date((s.pastDueSince ?? now).getTime() + pastDueGraceS * 1000)
      return now < graceEnd ? { plan: s.subscribedPlan, until: graceEnd } : { plan: 'free' }
    }
    case 'unpaid':
    case 'canceled':
      return s.currentPeriodEnd && now < s.currentPeriodEnd ? { plan: s.subscribedPlan, until: s.currentPeriodEnd } : { plan: 'free' }
    default:
      return { plan: 'free' }
  }
}

/** 403 problem+json naming the limit, the plan and what it allows. */
export function planLimit(limit: keyof Entitlements, plan: Plan, allowed: number, detail: string, field?: string): Problem {
  const errors: FieldError[] | undefined = field ? [{ field, message: detail }] : undefined
  return new Problem(403, 'Forbidden', `${detail} (the ${plan} plan allows ${allowed}; upgrade for more)`, {
    type: 'plan-limit',
    limit,
    plan,
    allowed,
    errors,
  })
}

const DAY_MS = 86_400_000

/** Videos asked for in the last 24 hours (the videosPerDay window). */
export async function videosInLastDay(db: Db, userId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(videos)
    .where(and(eq(videos.userId, userId), gt(videos.createdAt, new Date(now.getTime() - DAY_MS))))
  return row?.n ?? 0
}

/**
 * Bytes held: uploads, and every file stored for the account's videos (the storage lines of the cost
 * ledger, one per file: a file a re-run replaced counts once, at its current size).
 */
export async function storageUsedBytes(db: Db, userId: string): Promise<number> {
  const [u] = await db
    .select({ n: sum(uploads.size) })
    .from(uploads)
    .where(eq(uploads.userId, userId))
  const [v] = await db
    .select({ n: sql<string | null>`sum(${costLedger.quantity})` })
    .from(costLedger)
    .where(and(eq(costLedger.userId, userId), eq(costLedger.kind, 'storage_bytes'), isNotNull(costLedger.videoId)))
  return Number(u?.n ?? 0) + Number(v?.n ?? 0)
}
