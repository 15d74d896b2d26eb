// Error logs help an operator without handing anyone who reads them the users' data: no SQL
// parameters, e-mail addresses, key hashes or tokens.
import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { sql } from 'drizzle-orm'
import { createLogger } from '../src/infra/logger'
import { testEnv } from './harness'

const env = await testEnv()
const core = await env.core()

function capture() {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { log: createLogger('info', sink), text: () => lines.join('') }
}

describe('error logs', () => {
  test('a failed query is logged without its parameters, e-mails, hashes or tokens', async () => {
    const email = 'ada.lovelace@example.com'
    const hash = 'ab'.repeat(32)
    const apiKey = `ytk_0123456789abcdef_${'s'.repeat(43)}`
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const err = await core.deps.database.db
      .execute(sql`select ${email}::int, ${hash}, ${apiKey}, ${jwt}`)
      .then(() => undefined)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    // PostgreSQL's own message quotes the bad value back; the driver's carries every parameter.
    expect(JSON.stringify({ message: (err as Error).message, cause: String((err as Error).cause) })).toContain(email)

    const { log, text } = capture()
    log.error({ err, requestId: 'r-1', path: '/v1/auth/login' }, 'unhandled error')
    const out = text()
    for (const secret of [email, hash, apiKey, jwt, 'ada.lovelace']) expect(out).not.toContain(secret)
    // Still useful: what failed and PostgreSQL's error code.
    expect(out).toContain('unhandled error')
    expect(out).toContain('select $1::int')
    expect(out).toContain('22P02')
  })

  test('fields named like credentials or e-mails are censored wherever they appear', () => {
    const { log, text } = capture()
    log.warn(
      { user: { email: 'grace@example.com', passwordHash: 'argon', secretHash: 'ff'.repeat(32) }, body: { refreshToken: 'r'.repeat(40) } },
      'something odd',
    )
    const out = text()
    for (const secret of ['grace@example.com', 'argon', 'ff'.repeat(32), 'r'.repeat(40)]) expect(out).not.toContain(secret)
    expect(out).toContain('something odd')
    expect(JSON.parse(out).user).toEqual({ email: '[redacted]', passwordHash: '[redacted]', secretHash: '[redacted]' })
  })
})
