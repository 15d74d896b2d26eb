import { expect, test } from 'bun:test'
import { lastMonths } from '../../src/api/queries'

test('the last months, oldest first, across a year boundary', () => {
  expect(lastMonths(3, new Date('2026-02-10T12:00:00Z'))).toEqual(['2025-12', '2026-01', '2026-02'])
})
