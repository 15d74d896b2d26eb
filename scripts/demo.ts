// `bun run demo`: the main job on a fresh machine, with no keys and no servers configured.
// Starts the core on its embedded defaults (PGlite under .data/, a private redis-server if none runs)
// and walks an operator through the account flow with the typed Eden client.
import * as OTPAuth from 'otpauth'
import { loadConfig } from '../core/src/config'
import { startCore } from '../core/src/server'
import { createClient } from '../core/src/client'
import { freePort } from '../core/src/infra/local-redis'

const started = performance.now()
const step = (n: number, text: string) => console.log(`\n\x1b[1m${n}. ${text}\x1b[0m`)
const show = (label: string, value: unknown) => console.log(`   ${label.padEnd(22)} ${typeof value === 'string' ? value : JSON.stringify(value)}`)

const port = process.env.PORT ? Number(process.env.PORT) : await freePort()
// The walk-through signs in a dozen times from one address, so it lifts the auth class from the seed's
// 5/minute to 20/minute (RATE_LIMITS); step 7 then shows that limit refusing a flood.
const config = { ...loadConfig({ RATE_LIMITS: 'auth=20/60', ...process.env, PORT: String(port), DATA_DIR: process.env.DATA_DIR ?? '.data/demo', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }), host: '127.0.0.1' }
const core = await startCore(config, { manageRedis: true })
console.log(`ytempire core on ${core.url} — database: ${core.deps.database.kind}, docs: ${core.url}/swagger`)

let token: string | undefined
const api = createClient(core.url, { token: () => token })
const must = <T>(r: { data: T | null; error: unknown; status: number }, what: string): T => {
  if (r.error || r.data === null) throw new Error(`${what} failed (${r.status}): ${JSON.stringify((r.error as { value?: unknown })?.value ?? r.error)}`)
  return r.data
}

try {
  const email = `operator+${Date.now().toString(36)}@ytempire.local`
  const password = 'demo password, 12+ chars!'

  step(1, 'Register an operator (a weak password is refused first)')
  const weak = await api.v1.auth.register.post({ email, password: 'short' })
  show('weak password', `${weak.status} ${JSON.stringify((weak.error?.value as { errors?: unknown })?.errors)}`)
  const user = must(await api.v1.auth.register.post({ email, password }), 'register')
  show('account', `${user.email} (role ${user.role})`)

  step(2, 'Sign in: RS256 access token (15 min) + rotating refresh token (7 days)')
  const login = must(await api.v1.auth.login.post({ email, password }), 'login')
  token = login.accessToken
  const header = JSON.parse(Buffer.from(login.accessToken.split('.')[0]!, 'base64url').toString())
  show('token header', header)
  show('expires in', `${login.expiresIn} s`)
  show('GET /v1/me', must(await api.v1.me.get(), 'me').email)

  step(3, 'Turn on two-factor authentication (TOTP)')
  const enroll = must(await api.v1.auth.mfa.enroll.post(), 'enroll')
  show('otpauth URI', enroll.otpauthUri)
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enroll.secret), digits: 6, period: 30 })
  const confirm = must(await api.v1.auth.mfa.confirm.post({ code: totp.generate({ timestamp: Date.now() - 30_000 }) }), 'confirm')
  show('recovery codes', `${confirm.recoveryCodes.length} one-time codes, e.g. ${confirm.recoveryCodes[0]}`)
  const noCode = await api.v1.auth.login.post({ email, password })
  show('login without code', `${noCode.status} ${(noCode.error?.value as { type?: string })?.type}`)
  const code = totp.generate()
  const mfaLogin = must(await api.v1.auth.login.post({ email, password, mfaCode: code }), 'mfa login')
  const replay = await api.v1.auth.login.post({ email, password, mfaCode: code })
  show('login with code', 'ok')
  show('same code replayed', `${replay.status} refused`)
  token = mfaLogin.accessToken

  step(4, 'Refresh-token rotation and reuse detection (RFC 9700)')
  const rotated = must(await api.v1.auth.refresh.post({ refreshToken: mfaLogin.refreshToken }), 'refresh')
  show('rotated', `new refresh token ${rotated.refreshToken.slice(0, 8)}…`)
  const reuse = await api.v1.auth.refresh.post({ refreshToken: mfaLogin.refreshToken })
  show('old one reused', `${reuse.status}: the whole session is revoked`)
  const relogin = must(await api.v1.auth.login.post({ email, password, recoveryCode: confirm.recoveryCodes[1] }), 'recovery login')
  token = relogin.accessToken
  show('recovery-code login', 'ok (that code is now spent)')

  step(5, 'API key (shown once, stored hashed) used as a Bearer credential')
  const key = must(await api.v1['api-keys'].post({ name: 'automation', scopes: ['read'] }), 'api key')
  show('key', `${key.key.slice(0, 24)}… scopes ${key.scopes.join(',')}`)
  const viaKey = createClient(core.url, { token: () => key.key })
  show('GET /v1/me with key', must(await viaKey.v1.me.get(), 'me via key').email)
  const denied = await viaKey.v1['api-keys'].post({ name: 'escalate', scopes: ['read'] })
  show('write with read key', `${denied.status} refused`)

  step(6, 'Audit log and GDPR export')
  const audit = must(await api.v1.me.audit.get({ query: { limit: 20 } }), 'audit')
  show('security events', audit.map((a) => a.type).reverse().join(', '))
  const exported = must(await api.v1.me.export.get(), 'export') as { apiKeys: unknown[]; auditLog: unknown[] }
  show('export', `${exported.apiKeys.length} API key(s), ${exported.auditLog.length} audit events`)

  step(7, 'Rate limits: a flood of wrong passwords is refused')
  let attempts = 0
  let limited: Awaited<ReturnType<typeof api.v1.auth.login.post>> | undefined
  while (attempts < 40) {
    attempts++
    const r = await api.v1.auth.login.post({ email, password: 'wrong password!!' })
    if (r.status === 429) { limited = r; break }
  }
  show('refused after', `${attempts} attempts in this minute (limit ${config.rateLimits.auth.limit}/${config.rateLimits.auth.windowS} s)`)
  show('Retry-After', `${limited?.headers instanceof Headers ? limited.headers.get('retry-after') : (limited?.headers as Record<string, string> | undefined)?.['retry-after']} s`)

  step(8, 'Operations endpoints')
  const ready = await (await fetch(`${core.url}/ready`)).json()
  show('/ready', ready)
  const metrics = await (await fetch(`${core.url}/metrics`)).text()
  show('/metrics', `${metrics.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count')).length} route/status series`)

  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Data is kept in ${config.dataDir}. Video generation arrives with the render pipeline.`)
} finally {
  await core.stop()
}
process.exit(0)
