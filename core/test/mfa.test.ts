import { describe, expect, test } from 'bun:test'
import { json, signUp, testCore, totp } from './harness'

const { core } = await testCore()

async function enrolled() {
  const s = await signUp(core)
  const enroll = await json(await core.request('/v1/auth/mfa/enroll', { method: 'POST', token: s.accessToken }))
  return { ...s, secret: enroll.secret as string, uri: enroll.otpauthUri as string }
}

describe('TOTP multi-factor authentication', () => {
  test('enroll returns an otpauth URI; confirm turns MFA on and returns ten recovery codes', async () => {
    const s = await enrolled()
    expect(s.uri).toStartWith('otpauth://totp/')
    expect(s.uri).toContain(`secret=${s.secret}`)
    const bad = await core.request('/v1/auth/mfa/confirm', {
      method: 'POST',
      token: s.accessToken,
      json: { code: '000000' === totp(s.secret) ? '111111' : '000000' },
    })
    expect(bad.status).toBe(422)
    const ok = await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret) } })
    expect(ok.status).toBe(200)
    const { recoveryCodes } = await json(ok)
    expect(recoveryCodes).toHaveLength(10)
    expect((await json(await core.request('/v1/me', { token: s.accessToken }))).mfaEnabled).toBe(true)
  })

  test('the TOTP secret is encrypted at rest', async () => {
    const s = await enrolled()
    const rows = (await core.deps.database.db.execute(
      `select secret_enc from mfa_secrets where user_id = '${s.user.id}'` as never,
    )) as unknown as { secret_enc: string }[]
    expect(rows[0]!.secret_enc).not.toContain(s.secret)
    expect(rows[0]!.secret_enc).toStartWith('v1.')
    expect(await core.deps.box.open(rows[0]!.secret_enc, `mfa:${s.user.id}`)).toBe(s.secret)
  })

  test('login then needs the code; a code is accepted only once (no replay)', async () => {
    const s = await enrolled()
    // Confirm with the previous step's code, so the current step stays unused for the login below.
    expect(
      (await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret, -1) } })).status,
    ).toBe(200)
    const noCode = await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })
    expect(noCode.status).toBe(401)
    expect((await json(noCode)).type).toContain('mfa-required')

    const code = totp(s.secret)
    const first = await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password, mfaCode: code } })
    expect(first.status).toBe(200)
    const replay = await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password, mfaCode: code } })
    expect(replay.status).toBe(401)
    expect((await json(replay)).type).toContain('mfa-invalid')
  })

  test('codes more than one step away are refused; one step of skew is accepted', async () => {
    const s = await enrolled()
    expect(
      (await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret, -1) } })).status,
    ).toBe(200)
    const far = await core.request('/v1/auth/login', {
      method: 'POST',
      json: { email: s.email, password: s.password, mfaCode: totp(s.secret, 3) },
    })
    expect(far.status).toBe(401)
    const skewed = await core.request('/v1/auth/login', {
      method: 'POST',
      json: { email: s.email, password: s.password, mfaCode: totp(s.secret, 1) },
    })
    expect(skewed.status).toBe(200)
  })

  test('a recovery code works once, and they are stored hashed', async () => {
    const s = await enrolled()
    const { recoveryCodes } = await json(
      await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret) } }),
    )
    const code = recoveryCodes[0]
    const rows = (await core.deps.database.db.execute(
      `select code_hash from recovery_codes where user_id = '${s.user.id}'` as never,
    )) as unknown as { code_hash: string }[]
    expect(rows).toHaveLength(10)
    expect(rows.some((r) => r.code_hash.includes(code) || r.code_hash === code.replace(/-/g, ''))).toBe(false)
    expect(
      (await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password, recoveryCode: code } })).status,
    ).toBe(200)
    expect(
      (await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password, recoveryCode: code } })).status,
    ).toBe(401)
  })

  test('disable needs a valid code, then login works with the password alone', async () => {
    const s = await enrolled()
    expect(
      (await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret, -1) } })).status,
    ).toBe(200)
    expect(
      (await core.request('/v1/auth/mfa/disable', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret, -1) } })).status,
    ).toBe(422)
    expect(
      (await core.request('/v1/auth/mfa/disable', { method: 'POST', token: s.accessToken, json: { code: totp(s.secret) } })).status,
    ).toBe(204)
    expect((await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })).status).toBe(200)
    const types = (await core.deps.audit.list({ userId: s.user.id, limit: 50 })).map((a) => a.type)
    expect(types).toEqual(expect.arrayContaining(['mfa.enroll_started', 'mfa.enabled', 'mfa.disabled']))
  })
})
