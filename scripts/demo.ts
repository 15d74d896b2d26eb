// `bun run demo`: the main job on a fresh machine, with no keys and no servers configured.
// Starts the core on its embedded defaults (PGlite under .data/, a private redis-server if none runs)
// and walks an operator through the account flow with the typed Eden client.

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { eq } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import { createClient } from '../core/src/client'
import { loadConfig } from '../core/src/config'
import { videos } from '../core/src/db/schema'
import { freePort } from '../core/src/infra/local-redis'
import { startCore } from '../core/src/server'
import { buildWebApp } from '../web/build'

const started = performance.now()
const step = (n: number, text: string) => console.log(`\n\x1b[1m${n}. ${text}\x1b[0m`)
const show = (label: string, value: unknown) =>
  console.log(`   ${label.padEnd(22)} ${typeof value === 'string' ? value : JSON.stringify(value)}`)

const port = process.env.PORT ? Number(process.env.PORT) : await freePort()
// The walk-through signs in a dozen times from one address, so it lifts the auth class from the seed's
// 5/minute to 20/minute (RATE_LIMITS); step 7 then shows that limit refusing a flood.
const dataDir = process.env.DATA_DIR ?? '.data/demo'
const storageDir = resolve(process.env.STORAGE_DIR ?? join(dataDir, 'storage'))
const config = {
  ...loadConfig({
    RATE_LIMITS: 'auth=20/60',
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  }),
  host: '127.0.0.1',
}
// The web app is built first (when its sources changed), so the core serves it at / during the demo.
await buildWebApp({ ifStale: true, log: (m) => console.log(m) })
const core = await startCore(config, { manageRedis: true })
console.log(`ytempire core on ${core.url} — database: ${core.deps.database.kind}, docs: ${core.url}/swagger`)
console.log(`web app: ${core.url}/ (while the demo runs; afterwards see the last lines)`)
// One render worker beside it, on the same Redis and storage (run `bun run render` on more hosts to scale out).
const worker = Bun.spawn(['bun', 'render/src/main.ts'], {
  env: {
    ...process.env,
    REDIS_URL: core.deps.config.redisUrl!,
    // The installation's own queue namespace, which the worker reads from the storage (QUEUE_PREFIX unset).
    STORAGE_DIR: storageDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdout: 'inherit',
  stderr: 'inherit',
})

let token: string | undefined
const api = createClient(core.url, { token: () => token })
const must = <T>(r: { data: T | null; error: unknown; status: number }, what: string): T => {
  if (r.error || r.data === null)
    throw new Error(`${what} failed (${r.status}): ${JSON.stringify((r.error as { value?: unknown })?.value ?? r.error)}`)
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
  show(
    'security events',
    audit
      .map((a) => a.type)
      .reverse()
      .join(', '),
  )
  const exported = must(await api.v1.me.export.get(), 'export') as { apiKeys: unknown[]; auditLog: unknown[] }
  show('export', `${exported.apiKeys.length} API key(s), ${exported.auditLog.length} audit events`)

  step(7, 'Rate limits: a flood of wrong passwords is refused')
  let attempts = 0
  let limited: Awaited<ReturnType<typeof api.v1.auth.login.post>> | undefined
  while (attempts < 40) {
    attempts++
    const r = await api.v1.auth.login.post({ email, password: 'wrong password!!' })
    if (r.status === 429) {
      limited = r
      break
    }
  }
  show(
    'refused after',
    `${attempts} attempts in this minute (limit ${config.rateLimits.auth.limit}/${config.rateLimits.auth.windowSeconds} s)`,
  )
  show(
    'Retry-After',
    `${limited?.headers instanceof Headers ? limited.headers.get('retry-after') : (limited?.headers as Record<string, string> | undefined)?.['retry-after']} s`,
  )

  step(8, 'Operations endpoints')
  const ready = await (await fetch(`${core.url}/ready`)).json()
  show('/ready', ready)
  const metrics = await (await fetch(`${core.url}/metrics`)).text()
  show('/metrics', `${metrics.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count')).length} route/status series`)

  step(9, 'Create a channel and ask for a video (the bundled sample script)')
  const channel = must(
    await api.v1.channels.post({
      name: 'Curious Creatures',
      niche: 'animal facts',
      aspect: '16:9',
      captionStyle: 'highlight',
      timeZone: 'Europe/London',
    }),
    'channel',
  )
  show('channel', `${channel.name} (${channel.aspect}, captions ${channel.captionStyle})`)
  const sample = JSON.parse(readFileSync(resolve(import.meta.dir, '../render/assets/sample-script.json'), 'utf8'))
  const script = { title: sample.title, description: sample.description, tags: sample.tags, scenes: sample.scenes }
  const submittedAt = performance.now()
  const submitted = must(
    await api.v1
      .channels({ id: channel.id })
      .videos.post({ script, targetSeconds: 60 }, { headers: { 'idempotency-key': `demo-${Date.now()}` } }),
    'submit',
  )
  show('video', `${submitted.id}: ${submitted.status}, ${script.scenes.length} scenes`)

  step(10, 'Progress, live over Server-Sent Events')
  const final = await followVideo(core.url, submitted.id, token!)
  const wall = (performance.now() - submittedAt) / 1000
  console.log()
  if (final.status !== 'completed') throw new Error(`the video ${final.status}: ${final.error}`)

  step(11, 'The result')
  const video = must(await api.v1.videos({ id: submitted.id }).get(), 'video')
  // Local storage keeps each artifact at STORAGE_DIR/<key>; the keys are in the core's database.
  const [keys] = await core.deps.database.db
    .select({ video: videos.videoKey, thumbnail: videos.thumbnailKey })
    .from(videos)
    .where(eq(videos.id, video.id))
  const mp4 = join(storageDir, keys!.video!)
  const probe = JSON.parse(
    Bun.spawnSync([
      'ffprobe',
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,profile,width,height:format=duration',
      '-of',
      'json',
      mp4,
    ]).stdout.toString() || '{}',
  )
  const v = probe.streams?.find((s: { width?: number }) => s.width)
  show('MP4', mp4)
  show('thumbnail', join(storageDir, keys!.thumbnail!))
  show('duration', `${Number(probe.format?.duration ?? video.durationS).toFixed(2)} s`)
  show('resolution', v ? `${v.width}x${v.height} ${v.codec_name} ${v.profile}` : `${video.width}x${video.height}`)
  show('encoder', video.encoder ?? 'unknown')
  show(
    'stage times',
    Object.entries(video.stageDurationsMs ?? {})
      .map(([k, ms]) => `${k} ${(Number(ms) / 1000).toFixed(1)} s`)
      .join(', '),
  )
  show('wall time', `${wall.toFixed(1)} s from submit to finished file`)
  const cost = must(await api.v1.videos({ id: video.id }).cost.get(), 'cost')
  show('cost', `$${cost.totalUsd.toFixed(6)}`)
  for (const i of cost.items)
    console.log(
      `   ${''.padEnd(22)} ${i.stage.padEnd(10)} ${i.item.padEnd(18)} ${String(i.quantity).padStart(10)} ${i.unit.padEnd(11)} $${i.amountUsd.toFixed(6)}`,
    )

  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Data is kept in ${config.dataDir}.`)
  console.log(
    `\nThe web app on the demo's data: DATA_DIR=${config.dataDir} STORAGE_DIR=${storageDir} PORT=3000 bun run core, then open http://localhost:3000/\n` +
      `   sign in as ${email} / "${password}" with the unused recovery code ${confirm.recoveryCodes[2]} (or add the otpauth URI above to an authenticator app)`,
  )
} finally {
  worker.kill('SIGTERM')
  await worker.exited
  await core.stop()
}

/** Prints each update of the video's SSE stream on one line until it finishes; returns the last state. */
async function followVideo(base: string, id: string, bearer: string) {
  const res = await fetch(`${base}/v1/videos/${id}/events`, { headers: { authorization: `Bearer ${bearer}` } })
  const decoder = new TextDecoder()
  let buffer = ''
  let last: { status: string; stage: string; progress: number; error: string | null } = {
    status: 'queued',
    stage: 'script',
    progress: 0,
    error: null,
  }
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk)
    for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      const data = block.split('\n').find((l) => l.startsWith('data: '))
      if (!data) continue
      const previous = last
      last = JSON.parse(data.slice(6))
      const bar = '#'.repeat(Math.round(last.progress / 4)).padEnd(25, '.')
      const line = `   [${bar}] ${String(last.progress).padStart(3)}%  ${last.status.padEnd(9)} stage: ${last.stage.padEnd(10)}`
      // On a terminal the bar redraws in place; in a log, one line per stage or status change.
      if (process.stdout.isTTY) process.stdout.write(`\r${line}`)
      else if (previous.stage !== last.stage || previous.status !== last.status) console.log(line)
    }
  }
  return last
}
