// Time, injected: the core asks `clock()` for "now" wherever a decision depends on it (quota days,
// schedules), so tests can move it. And wall-clock arithmetic in IANA time zones, correct across
// daylight-saving changes (the quota day is Pacific time; each channel posts in its own zone).

/** Milliseconds since the epoch. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

/** A clock that runs with real time from a chosen starting point (tests move it with `set`). */
export function movableClock(start: number = Date.now()) {
  let offset = start - Date.now()
  const clock: Clock & { set(at: number): void } = Object.assign(() => Date.now() + offset, {
    set(at: number) {
      offset = at - Date.now()
    },
  })
  return clock
}

export interface LocalDateTime {
  year: number
  /** 1..12 */
  month: number
  day: number
  hour: number
  minute: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
    formatters.set(timeZone, f)
  }
  return f
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 }

/** The wall-clock time at `instant` in `timeZone`; weekday 0 = Monday. */
export function zonedParts(instant: number, timeZone: string): LocalDateTime & { second: number; weekday: number } {
  const parts: Record<string, string> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_INDEX[parts.weekday!]!,
  }
}

/** Local time minus UTC at `instant`, in ms (e.g. -7 h in Los Angeles in summer). */
export function zoneOffset(instant: number, timeZone: string): number {
  const p = zonedParts(instant, timeZone)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - Math.floor(instant / 1000) * 1000
}

const HOUR = 3600_000

/**
 * The instant a wall-clock time happens in `timeZone`. A time that happens twice (clocks go back)
 * is the first of the two; a time that never happens (clocks go forward) moves forward by the gap,
 * as a wall clock would show it (02:30 on a spring-forward night is 03:30).
 */
export function zonedInstant(local: LocalDateTime, timeZone: string): number {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute)
  // At most one transition lies within a day of any time, so the offsets a day either side cover it.
  const before = zoneOffset(guess - 24 * HOUR, timeZone)
  const after = zoneOffset(guess + 24 * HOUR, timeZone)
  const matches = [guess - before, guess - after].filter((t) => {
    const p = zonedParts(t, timeZone)
    return p.year === local.year && p.month === local.month && p.day === local.day && p.hour === local.hour && p.minute === local.minute
  })
  if (matches.length) return Math.min(...matches)
  return guess - before
}

/** `YYYY-MM-DD` of the local date at `instant`. */
export function zonedDate(instant: number, timeZone: string): string {
  const p = zonedParts(instant, timeZone)
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`
}

/** The first local midnight after `instant` in `timeZone`, as an instant. */
export function nextZonedMidnight(instant: number, timeZone: string): number {
  const p = zonedParts(instant, timeZone)
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1))
  return zonedInstant({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0 }, timeZone)
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone })
    return true
  } catch {
    return false
  }
}
