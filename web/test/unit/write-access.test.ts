import { expect, test } from 'bun:test'
import { ROLES } from '@ytempire/contract'
import { canWrite } from '../../src/ui/write-access'

test('only a viewer may not write', () => {
  expect(ROLES.filter((r) => !canWrite(r))).toEqual(['viewer'])
  expect(canWrite('member')).toBe(true)
  expect(canWrite('admin')).toBe(true)
})
