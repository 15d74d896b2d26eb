// Connecting channels to YouTube through the real google-auth-library and googleapis, against a
// local server speaking Google's OAuth and Data API wire formats.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { YOUTUBE_SCOPES } from '@ytempire/contract'
import { type FakeAccount, FakeGoogle } from '@ytempire/test-support/google'
import { movableClock } from '../src/infra/clock'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { GrantRevokedError } from '../src/modules/youtube/grant-revoked-error'
import { type Core, json, signUp, testEnv } from './harness'

const google = await new FakeGoogle().start()
const env = await testEnv((c) => ({ ...c, youtube: parseYouTubeConfig(google.env(), c.publicUrl) }))
const clock = movableClock()
let core: Core
beforeAll(async () => {
  core = await env.core((c) => c, { clock })
})
afterAll(() => google.close())

let n = 0
const account = (over: Partial<FakeAccount['channel']> = {}): FakeAccount => {
  n++
  return {
    email: `creator${n}@example.com`,
    channel: { id: `UC${n}xxxxxxxxxxxxxxxxxxxx`, title: `Creator ${n}`, longUploadsStatus: 'allowed', ...over },
  }
}

async function newChannel(token: string, name = 'Facts') {
  return json(await core.request('/v1/channels', { method: 'POST', token, json: { name, niche: 'facts' } }))
}

async function startConnect(token: string, channelId: string, body?: unknown) {
  const res = await core.request(`/v1/channels/${channelId}/youtube/connect`, { method: 'POST', token, json: body ?? {} })
  expect(res.status).toBe(200)
  return json<{ authorizationUrl: string; expiresAt: string; scopes: string[] }>(res)
}

const callback = (q: Record<string, string>) => core.request(`/v1/youtube/callback?${new URLSearchParams(q)}`)

async function connect(token: string, channelId: string, who = account()) {
  const { authorizationUrl } = await startConnect(token, channelId)
  const consent = google.consent(authorizationUrl, who)
  const res = await callback({ code: consent.code, state: consent.state })
  if (res.status !== 200) throw new Error(`callback ${res.status}: ${await res.text()}`)
  return { who, body: await json(res), consent }
}

describe('connecting a YouTube channel', () => {
  test('consent URL: PKCE S256, offline access, the scopes, a state; the callback links the channel', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const started = await startConnect(s.accessToken, ch.id)
    const url = new URL(started.authorizationUrl)
    expect(`${url.origin}${url.pathname}`).toBe(google.endpoints.authUrl)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('access_type')).toBe('offline')
    expect(url.searchParams.get('redirect_uri')).toBe(`${env.config.publicUrl}/v1/youtube/callback`)
    expect(url.searchParams.get('scope')!.split(' ')).toEqual([YOUTUBE_SCOPES.upload, YOUTUBE_SCOPES.read, YOUTUBE_SCOPES.analytics])
    expect(Date.parse(started.expiresAt) - clock()).toBeLessThanOrEqual(600_000)

    const who = account()
    const consent = google.consent(started.authorizationUrl, who)
    const res = await callback({ code: consent.code, state: consent.state })
    expect(res.status).toBe(200)
    const text = await res.text()
    for (const secret of google.issued) expect(text).not.toContain(secret)
    const linked = JSON.parse(text)
    expect(linked.channelId).toBe(ch.id)
    expect(linked.youtube).toMatchObject({
      youtubeChannelId: who.channel!.id,
      title: who.channel!.title,
      status: 'connected',
      customThumbnails: true,
    })

    const status = await json(await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken }))
    expect(status.youtubeChannelId).toBe(who.channel!.id)
    // The refresh token is stored sealed, bound to its row.
    const [row] = (await core.deps.database.db.execute(
      `select refresh_token_enc from youtube_connections where channel_id = '${ch.id}'` as never,
    )) as unknown as {
      refresh_token_enc: string
    }[]
    expect(row!.refresh_token_enc).toStartWith('v1.')
    expect(google.liveRefreshTokens().some((t) => row!.refresh_token_enc.includes(t))).toBe(false)
  })

  test('the monetary analytics scope only when the channel asks for it', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const started = await startConnect(s.accessToken, ch.id, { monetaryAnalytics: true })
    expect(new URL(started.authorizationUrl).searchParams.get('scope')!.split(' ')).toContain(YOUTUBE_SCOPES.monetary)
  })

  test('a bad, reused or expired state is refused', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)

    const unknown = await callback({ code: 'x', state: 'not-a-state-we-issued' })
    expect(unknown.status).toBe(400)
    expect(unknown.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(unknown)).errors).toEqual([{ field: 'state', message: 'unknown' }])
    expect((await callback({ code: 'x' })).status).toBe(400)

    const { consent } = await connect(s.accessToken, ch.id)
    const reused = await callback({ code: consent.code, state: consent.state })
    expect(reused.status).toBe(400)
    expect((await json(reused)).errors).toEqual([{ field: 'state', message: 'already used' }])

    const started = await startConnect(s.accessToken, ch.id)
    const late = google.consent(started.authorizationUrl, account())
    clock.set(clock() + 11 * 60_000)
    const expired = await callback({ code: late.code, state: late.state })
    clock.set(Date.now())
    expect(expired.status).toBe(400)
    expect((await json(expired)).errors).toEqual([{ field: 'state', message: 'expired' }])
  })

  test('a browser back from the consent page is sent on to the channel page, which the redirect tells how it went', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const browser = (q: Record<string, string>) =>
      core.request(`/v1/youtube/callback?${new URLSearchParams(q)}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })

    const consent = google.consent((await startConnect(s.accessToken, ch.id)).authorizationUrl, account())
    const ok = await browser({ code: consent.code, state: consent.state })
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(`/channels/${ch.id}?youtube=connected`)
    expect((await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken })).status).toBe(200)

    const again = await browser({ code: consent.code, state: consent.state })
    expect(again.headers.get('location')).toBe(`/channels/${ch.id}?youtube=state_used`)
    const state = new URL((await startConnect(s.accessToken, ch.id)).authorizationUrl).searchParams.get('state')!
    expect((await browser({ error: 'access_denied', state })).headers.get('location')).toBe(`/channels/${ch.id}?youtube=denied`)
    expect((await browser({ code: 'x', state: 'forged' })).headers.get('location')).toBe('/channels?youtube=state_unknown')
    // API clients keep the problem, which names the same reason.
    expect((await json(await callback({ code: 'x', state: 'forged' }))).reason).toBe('state_unknown')
  })

  test("a code cannot be redeemed with another consent's state (PKCE)", async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const a = google.consent((await startConnect(s.accessToken, ch.id)).authorizationUrl, account())
    const b = google.consent((await startConnect(s.accessToken, ch.id)).authorizationUrl, account())
    const res = await callback({ code: a.code, state: b.state })
    expect(res.status).toBe(400)
    expect((await json(res)).errors[0].field).toBe('code')
    expect((await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken })).status).toBe(404)
  })

  test('consent refused on Google, or an account without a channel: clear errors, nothing linked', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const started = await startConnect(s.accessToken, ch.id)
    const state = new URL(started.authorizationUrl).searchParams.get('state')!
    const denied = await callback({ error: 'access_denied', state })
    expect(denied.status).toBe(400)
    expect((await json(denied)).errors).toEqual([{ field: 'error', message: 'access_denied' }])

    const noChannel = google.consent((await startConnect(s.accessToken, ch.id)).authorizationUrl, {
      email: 'plain@example.com',
      channel: null,
    })
    const res = await callback({ code: noChannel.code, state: noChannel.state })
    expect(res.status).toBe(422)
    expect((await json(res)).detail).toContain('no YouTube channel')
  })

  test("another user's channel is 404; one YouTube channel links to one ytempire channel", async () => {
    const owner = await signUp(core)
    const other = await signUp(core)
    const ch = await newChannel(owner.accessToken)
    expect(
      (await core.request(`/v1/channels/${ch.id}/youtube/connect`, { method: 'POST', token: other.accessToken, json: {} })).status,
    ).toBe(404)
    expect((await core.request(`/v1/channels/${ch.id}/youtube`, { method: 'DELETE', token: other.accessToken })).status).toBe(404)

    const { who } = await connect(owner.accessToken, ch.id)
    const second = await newChannel(owner.accessToken, 'Second')
    const again = google.consent((await startConnect(owner.accessToken, second.id)).authorizationUrl, who)
    const res = await callback({ code: again.code, state: again.state })
    expect(res.status).toBe(409)
    // Reconnecting the same channel to the same YouTube channel is fine.
    await connect(owner.accessToken, ch.id, who)
  })

  test('invalid_grant marks the channel "reconnect needed", visibly; connecting again clears it', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    const { who } = await connect(s.accessToken, ch.id)
    for (const t of google.liveRefreshTokens()) google.revokeGrant(t)
    core.services.youtube.forgetAccessToken(ch.id)
    await expect(core.services.youtube.accessToken(ch.id)).rejects.toBeInstanceOf(GrantRevokedError)
    const status = await json(await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken }))
    expect(status.status).toBe('reconnect_needed')
    expect(status.message).toContain('Reconnect needed')
    const audit = await json(await core.request('/v1/me/audit', { token: s.accessToken }))
    expect(JSON.stringify(audit)).toContain('youtube.reconnect_needed')

    await connect(s.accessToken, ch.id, who)
    expect((await json(await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken }))).status).toBe('connected')
    expect(typeof (await core.services.youtube.accessToken(ch.id)).accessToken).toBe('string')
  })

  test('disconnect revokes the grant at Google and forgets it; so does erasing the account', async () => {
    const s = await signUp(core)
    const ch = await newChannel(s.accessToken)
    await connect(s.accessToken, ch.id)
    const live = google.liveRefreshTokens().length
    const res = await core.request(`/v1/channels/${ch.id}/youtube`, { method: 'DELETE', token: s.accessToken })
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ revoked: true })
    expect(google.liveRefreshTokens().length).toBe(live - 1)
    expect((await core.request(`/v1/channels/${ch.id}/youtube`, { token: s.accessToken })).status).toBe(404)

    const gone = await signUp(core)
    const ch2 = await newChannel(gone.accessToken)
    await connect(gone.accessToken, ch2.id)
    const before = google.liveRefreshTokens().length
    const erased = await core.request('/v1/me', { method: 'DELETE', token: gone.accessToken, json: { password: gone.password } })
    expect(erased.status).toBeLessThan(300)
    expect(google.liveRefreshTokens().length).toBe(before - 1)
  })
})

describe('not configured', () => {
  test('connect answers 503 naming the variables', async () => {
    const bare = await env.core((c) => ({ ...c, youtube: { ...c.youtube, clientId: undefined } }))
    const s = await signUp(bare)
    const ch = json(await bare.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'x', niche: 'y' } }))
    const res = await bare.request(`/v1/channels/${(await ch).id}/youtube/connect`, { method: 'POST', token: s.accessToken, json: {} })
    expect(res.status).toBe(503)
    expect((await json(res)).detail).toContain('GOOGLE_CLIENT_ID')
  })
})
