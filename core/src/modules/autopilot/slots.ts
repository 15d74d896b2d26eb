// A channel's cadence as instants: each listed weekday at the local posting time, in the channel's
// time zone, daylight-saving changes included. The BullMQ scheduler fires `lead` minutes before
// each slot (a cron pattern in the same zone); the slot a firing belongs to is found again from
// its time, so nothing about a slot has to be stored ahead.
import { WEEKDAYS, type Weekday } from '@ytempire/contract'
import { zonedInstant, zonedParts } from '../../infra/clock'

export interface Cadence {
  videosPerWeek: number
  days: string[]
  /** HH:MM, local */
  time: string
}

const DAY_MS = 24 * 3600_000

function clockTime(time: string): { hour: number; minute: number } {
  const [hour, minute] = time.split(':').map(Number)
  return { hour: hour!, minute: minute! }
}

/** The next `count` slots strictly after `from`. */
export function nextSlots(cadence: Cadence, timeZone: string, from: number, count: number): number[] {
  const out: number[] = []
  if (!cadence.days.length || count <= 0) return out
  const { hour, minute } = clockTime(cadence.time)
  const today = zonedParts(from, timeZone)
  // Two weeks per slot asked for is more than enough: every listed day comes round weekly.
  for (let d = -1; out.length < count && d <= 14 * count; d++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d))
    const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7]!
    if (!cadence.days.includes(weekday)) continue
    const at = zonedInstant({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute }, timeZone)
    if (at > from) out.push(at)
  }
  return out
}

/**
 * The cron pattern (in the channel's zone) that fires `leadMinutes` before each slot, in wall-clock
 * terms: on the night clocks change the lead is an hour longer or shorter, never the slot.
 */
export function schedulerPattern(cadence: Cadence, leadMinutes: number): string {
  const { hour, minute } = clockTime(cadence.time)
  const total = hour * 60 + minute - leadMinutes
  const dayShift = Math.floor(total / 1440)
  const ofDay = ((total % 1440) + 1440) % 1440
  const cronDays = cadence.days
    .map((d) => (WEEKDAYS.indexOf(d as Weekday) + 1) % 7) // cron: 0 = Sunday
    .map((dow) => (((dow + dayShift) % 7) + 7) % 7)
    .sort((a, b) => a - b)
  return `${ofDay % 60} ${Math.floor(ofDay / 60)} * * ${[...new Set(cronDays)].join(',')}`
}

/** The slot a firing at `firedAt` prepares: the one nearest to `firedAt + lead` (a day apart at least from any other). */
export function slotForFiring(cadence: Cadence, timeZone: string, firedAt: number, leadMinutes: number): number | null {
  const target = firedAt + leadMinutes * 60_000
  const [slot] = nextSlots(cadence, timeZone, target - DAY_MS / 4, 1)
  return slot !== undefined && Math.abs(slot - target) < DAY_MS / 4 ? slot : null
}
