import { expect, test } from 'bun:test'
import { withDays } from '../../src/api/queries'

test('analytics days come back as the YYYY-MM-DD strings the core sent, though Eden made Dates of them', () => {
  const eden = {
    from: new Date('2026-10-30'),
    to: new Date('2026-11-26'),
    days: [{ day: new Date('2026-10-30'), views: 3 }],
    lifetime: { since: new Date('2026-10-01'), revenueUsd: 1 },
  } as unknown as {
    from: string
    to: string
    days: { day: string; views: number }[]
    lifetime: { since: string | null; revenueUsd: number }
  }
  expect(withDays(eden)).toEqual({
    from: '2026-10-30',
    to: '2026-11-26',
    days: [{ day: '2026-10-30', views: 3 }],
    lifetime: { since: '2026-10-01', revenueUsd: 1 },
  })
})
