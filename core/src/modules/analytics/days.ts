// YouTube Analytics counts in days of Pacific time (the same days as the quota); dates here are
// `YYYY-MM-DD` strings in that zone, and the cost ledger is cut on the same days.
import { type Clock, zonedDate, zonedInstant } from '../../infra/clock'
import { QUOTA_TIME_ZONE } from '../youtube/quota'

export const ANALYTICS_TIME_ZONE = QUOTA_TIME_ZONE

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10)
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}

/** The last day YouTube can have figures for: yesterday, Pacific time. */
export function lastCompleteDay(clock: Clock): string {
  return addDays(zonedDate(clock(), ANALYTICS_TIME_ZONE), -1)
}

/** The instant a Pacific day begins. */
export function dayStart(day: string): Date {
  const [year, month, d] = day.split('-').map(Number)
  return new Date(zonedInstant({ year: year!, month: month!, day: d!, hour: 0, minute: 0 }, ANALYTICS_TIME_ZONE))
}

/** First and last day of a `YYYY-MM` month. */
export function monthDays(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number)
  const last = new Date(Date.UTC(y!, m!, 0)).getUTCDate()
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` }
}

export const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && addDays(v, 0) === v
