import { describe, expect, test } from 'bun:test'
import { rateLimitClassOf, rateLimitOf } from '../src/rate-limits'

describe('rateLimitOf', () => {
  test('refreshes are charged to their token family, sign-ins to the caller', () => {
    expect(rateLimitOf('POST', '/v1/auth/refresh')).toEqual({ cls: 'auth', subject: 'token-family' })
    expect(rateLimitOf('POST', '/v1/auth/web/refresh')).toEqual({ cls: 'auth', subject: 'token-family' })
    expect(rateLimitOf('POST', '/v1/auth/login')).toEqual({ cls: 'auth', subject: 'caller' })
    expect(rateLimitOf('POST', '/v1/auth/web/login')).toEqual({ cls: 'auth', subject: 'caller' })
  })

  test('routes that check the password are as strict as a sign-in; reading the account is not', () => {
    expect(rateLimitClassOf('POST', '/v1/me/password')).toBe('auth')
    expect(rateLimitClassOf('DELETE', '/v1/me')).toBe('auth')
    expect(rateLimitClassOf('GET', '/v1/me')).toBe('default')
    expect(rateLimitClassOf('GET', '/v1/me/sessions')).toBe('default')
  })

  test('a signing-key rotation is an expensive operation; other admin routes are not', () => {
    expect(rateLimitClassOf('POST', '/v1/admin/signing-keys/rotate')).toBe('expensive_operations')
    expect(rateLimitClassOf('POST', '/v1/admin/secrets/reseal')).toBe('default')
  })

  test("a video's file counts once per path (its Range requests are one download), the rest of the API per request", () => {
    expect(rateLimitOf('GET', '/v1/videos/abc/file')).toEqual({ cls: 'expensive_operations', subject: 'caller', perPath: true })
    expect(rateLimitOf('GET', '/v1/me/export').perPath).toBeUndefined()
  })
})
