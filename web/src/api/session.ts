// The browser session. The access token lives in this module's memory only (never in storage, so an
// injected script cannot lift it from there); the refresh token is an HttpOnly cookie the page cannot
// read; the CSRF token that must accompany the cookie is in memory, or read back from the yt_csrf cookie
// after a reload. Every API call goes through one Eden client typed from the core's App.
import { createClient } from '@ytempire/core/client'
import { ProblemError, toProblem } from './problem'

type Client = ReturnType<typeof createClient>
export type User = NonNullable<Awaited<ReturnType<Client['v1']['me']['get']>>['data']>
type WebSession = NonNullable<Awaited<ReturnType<Client['v1']['auth']['web']['login']['post']>>['data']>

export type SessionState = { status: 'loading' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; user: User }

let state: SessionState = { status: 'loading' }
let accessToken: string | undefined
let csrfToken: string | undefined
let refreshTimer: ReturnType<typeof setTimeout> | undefined
let refreshing: Promise<boolean> | undefined
const listeners = new Set<() => void>()

function setState(next: SessionState) {
  state = next
  for (const fn of listeners) fn()
}

export const session = {
  get: () => state,
  subscribe(fn: () => void) {
    listeners.add(fn)
    return () => listeners.delete(fn)
  },
  token: () => accessToken,
}

/** The page's origin (the core serves the app), or where the core is when the app is served elsewhere. */
export const apiOrigin = typeof location === 'undefined' ? 'http://localhost' : location.origin

/** A fetch that retries once after a refresh when the access token has expired (a long idle tab, a laptop lid). */
export function sessionFetcher(base: typeof fetch = fetch): typeof fetch {
  return (async (input: RequestInfo | URL, rest?: RequestInit) => {
    // TanStack Query is the app's cache; the browser's HTTP cache would serve a private, max-age answer
    // of the core (GET /v1/me) as it was before a change the app has just made.
    const init: RequestInit = { cache: 'no-store', ...rest }
    const res = await base(input, init)
    const url = String(input instanceof Request ? input.url : input)
    if (res.status !== 401 || url.includes('/v1/auth/') || state.status !== 'signed-in') return res
    if (!(await refresh())) return res
    const headers = new Headers(init?.headers)
    headers.set('authorization', `Bearer ${accessToken}`)
    return base(input, { ...init, headers })
  }) as typeof fetch
}

export const api: Client = createClient(apiOrigin, { token: () => accessToken, fetcher: sessionFetcher() })

function opened(s: WebSession) {
  accessToken = s.accessToken
  csrfToken = s.csrfToken
  clearTimeout(refreshTimer)
  // Refresh a minute before the access token expires, so requests rarely meet a 401.
  refreshTimer = setTimeout(() => void refresh(), Math.max(10, s.expiresIn - 60) * 1000)
  setState({ status: 'signed-in', user: s.user })
}

function closed(reason?: string) {
  accessToken = undefined
  csrfToken = undefined
  clearTimeout(refreshTimer)
  setState({ status: 'signed-out', reason })
}

function csrfFromCookie(): string | undefined {
  if (typeof document === 'undefined') return undefined
  return document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('yt_csrf='))
    ?.slice('yt_csrf='.length)
}

/** Signs in; a ProblemError of kind "mfa-required" asks for the second step. */
export async function signIn(input: { email: string; password: string; mfaCode?: string; recoveryCode?: string }) {
  const r = await api.v1.auth.web.login.post(input)
  if (r.error) throw new ProblemError(toProblem(r.status, r.error.value))
  opened(r.data)
  return r.data.user
}

/** Rotates the session; one refresh at a time however many callers ask. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const csrf = csrfToken ?? csrfFromCookie()
    if (!csrf) {
      closed()
      return false
    }
    const r = await api.v1.auth.web.refresh.post(undefined, { headers: { 'x-csrf-token': csrf } })
    if (r.error) {
      // Rate-limited or unreachable: the session may still be fine, so keep what we have and try again later.
      if ((r.status === 429 || r.status >= 500) && state.status === 'signed-in') return false
      closed(r.status === 401 && state.status === 'signed-in' ? 'Your session ended; sign in again.' : undefined)
      return false
    }
    opened(r.data)
    return true
  })().finally(() => {
    refreshing = undefined
  })
  return refreshing
}

/** On page load: resume the session the cookie holds, if any. */
export function resume(): Promise<boolean> {
  return refresh()
}

export async function signOut() {
  const csrf = csrfToken ?? csrfFromCookie()
  await api.v1.auth.web.logout.post(undefined, { headers: csrf ? { 'x-csrf-token': csrf } : {} })
  closed()
}

/** After the account itself changed (MFA turned on, e-mail), the user shown is updated. */
export function updateUser(user: User) {
  if (state.status === 'signed-in') setState({ status: 'signed-in', user })
}
