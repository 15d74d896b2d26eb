import { expect, test } from 'bun:test'

test('placeholder', () => expect(1).toBe(1))
