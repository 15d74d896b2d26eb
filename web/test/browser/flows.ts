// Not a *.test.ts file on purpose: `bun test` must not pick it up (it runs under Node, see run.ts).
// The web app in a real browser: Debian's Chromium driven by playwright-core, under Node (Playwright's
// launch hangs under Bun), against the real core, PostgreSQL, Redis and render worker that run.ts started.
// Every page is checked with axe-core (no serious or critical violations) and for CSP violations, and
// photographed at desktop (1280) and phone (390) widths into ARTIFACTS.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import * as OTPAuth from 'otpauth'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import postgres from 'postgres'

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000'
const ARTIFACTS = process.env.ARTIFACTS ?? '.data/web-artifacts'
const AXE = readFileSync(join(import.meta.dirname, '../../../node_modules/axe-core/axe.min.js'), 'utf8')
const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } }

const email = `operator.${Date.now().toString(36)}@example.com`
const password = 'a long browser password!'
let context: BrowserContext
let page: Page
let userDataDir: string
let mfaSecret = ''
let recoveryCodes: string[] = []
let channelPath = ''
let videoPath = ''
const pageErrors: string[] = []

before(async () => {
  userDataDir = mkdtempSync(join(tmpdir(), 'ytempire-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: WIDTHS.desktop,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  })
  // Any Content-Security-Policy violation on any page is recorded and fails the page's check.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] }
    w.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.on('dialog', (d) => void d.accept())
})

after(async () => {
  await context?.close()
  rmSync(userDataDir, { recursive: true, force: true })
})

const totpNow = (stepsAhead = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(mfaSecret), digits: 6, period: 30 }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  })

/** axe-core in the page (evaluated over the DevTools protocol, which the page's CSP does not govern). */
async function accessibility(name: string) {
  const hasAxe = await page.evaluate(() => 'axe' in window)
  if (!hasAxe) await page.evaluate(AXE)
  const violations = await page.evaluate(async () => {
    const axe = (window as any).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v: { id: string; help: string; nodes: { target: string[] }[] }) =>
          `${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
      )
  })
  assert.deepEqual(violations, [], `${name}: accessibility violations`)
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)
  assert.deepEqual(csp, [], `${name}: CSP violations`)
}

/** Checks the page, then photographs it at both widths. */
async function shoot(name: string) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await accessibility(name)
  for (const [label, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size)
    await page.waitForTimeout(150) // charts redraw on resize
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true })
  }
  await page.setViewportSize(WIDTHS.desktop)
  if (label(name)) await accessibility(`${name} (after resize)`)
}
const label = (name: string) => name.length > 0

async function go(path: string, heading: string | RegExp) {
  await page.goto(BASE + path)
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

async function nav(name: string, heading: string | RegExp = name) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

test('sign up, turn on two-factor, sign out, sign in with a code and with a recovery code', async () => {
  await page.goto(`${BASE}/`)
  await page.getByRole('heading', { name: 'Sign in to ytempire' }).waitFor()
  await shoot('sign-in')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.getByRole('heading', { name: 'Create your ytempire account' }).waitFor()
  // A weak password: the core's problem+json names the field, shown next to it.
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill('short')
  await page.getByRole('button', { name: 'Create account' }).click()
  const passwordField = page.getByLabel('Password')
  await page
    .locator('.field-invalid .field-error')
    .getByText(/12 characters/)
    .waitFor()
  assert.equal(await passwordField.getAttribute('aria-invalid'), 'true')
  await shoot('sign-up-error')
  await passwordField.fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  await page.getByText('No channels yet.').waitFor()
  await shoot('overview-empty')

  // The refresh token is an HttpOnly cookie on /v1/auth; nothing of the session is in web storage.
  const cookies = await context.cookies()
  const refresh = cookies.find((c) => c.name === 'yt_refresh')
  assert.ok(refresh)
  assert.deepEqual([refresh.httpOnly, refresh.secure, refresh.sameSite, refresh.path], [true, true, 'Strict', '/v1/auth'])
  assert.equal(cookies.find((c) => c.name === 'yt_csrf')?.httpOnly, false)
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
  assert.doesNotMatch(stored, /eyJ|yt_refresh/)

  await nav('Security')
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click()
  mfaSecret = (await page.getByTestId('mfa-secret').textContent())!.trim()
  await page.getByLabel('Code', { exact: true }).fill(totpNow())
  await page.getByRole('button', { name: 'Turn on' }).click()
  const codes = page.getByTestId('recovery-codes').locator('code')
  await codes.first().waitFor()
  recoveryCodes = await codes.allTextContents()
  assert.equal(recoveryCodes.length, 10)
  await page.getByRole('button', { name: 'Turn two-factor authentication off' }).waitFor()
  await shoot('security')

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in to ytempire' }).waitFor()
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  const code = page.getByLabel('Code from your authenticator app')
  await code.waitFor()
  await shoot('sign-in-mfa')
  // The confirmation spent this 30-second step; the next one is within the accepted window.
  await code.fill(totpNow(1))
  await page.getByRole('button', { name: 'Verify and sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('E-mail').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click()
  await page.getByLabel('Recovery code').fill(recoveryCodes[0]!)
  await page.getByRole('button', { name: 'Verify and sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
})

test('the session survives a reload through the cookie; without the CSRF token or from another origin the cookie is refused', async () => {
  await page.reload()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  // The page's own request carries the cookie but not the CSRF token.
  const noCsrf = await page.evaluate(() => fetch('/v1/auth/web/refresh', { method: 'POST' }).then((r) => r.status))
  assert.equal(noCsrf, 403)
  const cookies = await context.cookies()
  const jar = cookies.map((c) => `${c.name}=${c.value}`).join('; ')
  const csrf = cookies.find((c) => c.name === 'yt_csrf')!.value
  const foreign = await fetch(`${BASE}/v1/auth/web/refresh`, {
    method: 'POST',
    headers: { cookie: jar, 'x-csrf-token': csrf, origin: 'https://evil.example' },
  })
  assert.equal(foreign.status, 403)
  const noOrigin = await fetch(`${BASE}/v1/auth/web/refresh`, { method: 'POST', headers: { cookie: jar, 'x-csrf-token': csrf } })
  assert.equal(noOrigin.status, 403)
  // Still signed in: nothing above spent the refresh token.
  await page.reload()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
})

test('keyboard: the skip link is the first stop and moves focus to the page', async () => {
  await page.keyboard.press('Tab')
  const focused = await page.evaluate(() => document.activeElement?.textContent)
  assert.equal(focused, 'Skip to content')
  await page.keyboard.press('Enter')
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main')
})

test('create a channel (a refused field is shown next to it)', async () => {
  await nav('Channels')
  await page.getByRole('heading', { name: 'New channel' }).waitFor()
  await page.getByRole('button', { name: 'Create channel' }).click()
  await page.locator('.field-invalid').first().waitFor()
  assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true')
  await shoot('channels-new-error')
  await page.getByLabel('Name').fill('Curious Creatures')
  await page.getByLabel('Niche').fill('animal facts')
  await page.getByLabel('Aspect').selectOption('1:1')
  await page.getByLabel('Videos per week').fill('3')
  for (const day of ['Mon', 'Wed', 'Fri']) await page.getByLabel(day, { exact: true }).check()
  await page.getByLabel('Time zone').selectOption('Europe/London')
  await page.getByRole('button', { name: 'Create channel' }).click()
  await page.getByRole('heading', { level: 1, name: 'Curious Creatures' }).waitFor()
  channelPath = new URL(page.url()).pathname
  await page.getByText('3 a week · Mon, Wed, Fri at 09:00 (Europe/London)').waitFor()
  await shoot('channel')
  await nav('Channels')
  await shoot('channels')
})

test('submit a plain-text script, watch its progress reach 100 %, play it, see what it cost', async () => {
  await go(channelPath, 'Curious Creatures')
  await page.getByRole('link', { name: 'New video' }).first().click()
  await page.getByRole('heading', { level: 1, name: 'New video' }).waitFor()
  await page
    .getByLabel('Script', { exact: true })
    .fill('Honey never spoils. Archaeologists found edible honey in Egyptian tombs.\n\nBananas are berries, but strawberries are not.')
  await page.getByText('2 scenes').waitFor()
  await shoot('new-video')
  const ranges: number[] = []
  page.on('response', (r) => {
    if (/\/v1\/videos\/[^/]+\/file\?/.test(r.url())) ranges.push(r.status())
  })
  await page.getByRole('button', { name: 'Make the video' }).click()
  await page.waitForURL(/\/videos\/[0-9a-f-]{36}$/)
  videoPath = new URL(page.url()).pathname
  const overall = page.locator('.progress-value').first()
  const seen = new Set<string>()
  for (let i = 0; i < 1200; i++) {
    const text = (await overall.textContent()) ?? ''
    seen.add(text)
    if (text === '100 %') break
    if (i === 3) await shoot('video-in-flight')
    await page.waitForTimeout(100)
  }
  console.log(`progress seen over SSE: ${[...seen].join(', ')}`)
  assert.equal(await overall.textContent(), '100 %')
  await page.locator('.section-head .badge', { hasText: 'Completed' }).waitFor()

  const video = page.locator('video.player')
  await video.waitFor()
  const duration = await video.evaluate(
    (v: HTMLVideoElement) =>
      new Promise<number>((resolve, reject) => {
        if (v.readyState >= 1) return resolve(v.duration)
        v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true })
        v.addEventListener('error', () => reject(new Error(`video error ${v.error?.code}`)), { once: true })
      }),
  )
  assert.ok(duration > 1, `the <video> reports a duration (${duration})`)
  const played = await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true
    await v.play()
    await new Promise((r) => setTimeout(r, 600))
    v.pause()
    return v.currentTime
  })
  assert.ok(played > 0, 'the video plays')
  assert.ok(ranges.includes(206), `the player fetched with HTTP Range (statuses ${ranges.join(',')})`)

  const cost = page.getByTestId('video-cost')
  await cost.waitFor()
  const amount = (await cost.textContent()) ?? ''
  assert.match(amount, /^\$\d/)
  assert.notEqual(amount, '$0.00')
  await page.getByRole('cell', { name: 'render', exact: true }).first().waitFor()
  await shoot('video')
})

/** YYYY-MM-DD in Pacific time (YouTube Analytics days), `n` days before today. */
const pacificDay = (n = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date(Date.now() - n * 86_400_000))
const dollars = (text: string | null) => Number((text ?? '').replace(/[^0-9.-]/g, ''))

test('analytics: the month across channels, the channel by day with its videos by margin, the video against its cost', async () => {
  // What ingestion would have stored from YouTube for the video just made (published) and one published elsewhere.
  const channelId = channelPath.split('/').pop()!
  const videoId = videoPath.split('/').pop()!
  const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  let channelViews = 0
  let videoRevenue = 0
  try {
    const [owner] = await sql`select user_id from channels where id = ${channelId}`
    const userId = owner!.user_id as string
    await sql`insert into video_publications (video_id, user_id, channel_id, status, privacy, grant_hash, youtube_video_id, uploaded_at, thumbnail)
      values (${videoId}, ${userId}, ${channelId}, 'published', 'public', 'seed', 'SEEDvideo01', now(), 'set')`
    await sql`insert into youtube_videos (youtube_video_id, channel_id, user_id, video_id, source, first_seen_via, title, published_at, views, likes, comments, statistics_at)
      values ('SEEDvideo01', ${channelId}, ${userId}, ${videoId}, 'platform', 'poll', 'Honey never spoils', now() - interval '21 days', 4200, 180, 35, now()),
             ('SEEDextern1', ${channelId}, ${userId}, null, 'external', 'websub', 'Behind the scenes', now() - interval '15 days', 900, 20, 4, now())`
    await sql`insert into analytics_channels (channel_id, revenue, last_run_at, last_run_status, ingested_through) values (${channelId}, 'available', now(), 'ok', ${pacificDay(1)})`
    for (let n = 2; n <= 20; n++) {
      const day = pacificDay(n)
      const ours = { views: 150 + n * 7, minutes: 300 + n * 11, revenue: 0.35 + n * 0.01 }
      const theirs = { views: n < 15 ? 40 + n : 0, minutes: n < 15 ? 60 : 0, revenue: n < 15 ? 0.05 : 0 }
      videoRevenue += ours.revenue
      channelViews += ours.views + theirs.views
      await sql`insert into video_analytics_daily (youtube_video_id, channel_id, day, views, minutes_watched, average_view_duration_s, subscribers_gained, revenue_usd)
        values ('SEEDvideo01', ${channelId}, ${day}, ${ours.views}, ${ours.minutes}, 120, 2, ${ours.revenue}),
               ('SEEDextern1', ${channelId}, ${day}, ${theirs.views}, ${theirs.minutes}, 90, 0, ${theirs.revenue})`
      await sql`insert into channel_analytics_daily (channel_id, day, views, minutes_watched, average_view_duration_s, subscribers_gained, revenue_usd)
        values (${channelId}, ${day}, ${ours.views + theirs.views}, ${ours.minutes + theirs.minutes}, 110, 2, ${ours.revenue + theirs.revenue})`
    }
  } finally {
    await sql.end()
  }

  // The core cached the analytics these pages showed earlier (60 s); an ingestion run drops the owner's
  // cache, and so does any change of theirs: saving the channel's settings stands in for the run here.
  await go(channelPath, 'Curious Creatures')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await page.getByText('Saved.').waitFor()
  await go('/analytics', 'Analytics')
  const row = page.getByRole('row', { name: /Curious Creatures/ })
  await row.waitFor()
  assert.match((await page.getByTestId('month-cost').textContent()) ?? '', /^\$\d/)
  await shoot('analytics')
  await row.getByRole('link', { name: 'Curious Creatures' }).click()
  const views = page.getByTestId('channel-views')
  await views.waitFor()
  assert.equal(Number((await views.textContent())!.replace(/,/g, '')), channelViews)
  // Best margin first: the outside video cost nothing, ours cost its render.
  const table = page.getByTestId('videos-by-margin')
  const titles = await table.locator('tbody th').allTextContents()
  assert.equal(titles.length, 2)
  const margins = (await table.locator('tbody tr td:last-child').allTextContents()).map(dollars)
  assert.deepEqual(
    margins,
    [...margins].sort((a, b) => b - a),
  )
  await page.locator('.chart canvas').first().waitFor()
  await shoot('analytics-channel')

  await go(channelPath, 'Curious Creatures')
  await page.getByTestId('videos-by-margin').waitFor()
  await shoot('channel-analytics')

  await go(videoPath, /.+/)
  await page.getByRole('heading', { name: 'Revenue against cost' }).waitFor()
  const revenue = page.getByTestId('video-revenue')
  await revenue.waitFor()
  assert.ok(
    Math.abs(dollars(await revenue.textContent()) - videoRevenue) < 0.01,
    `video revenue ${await revenue.textContent()} vs ${videoRevenue}`,
  )
  const cost = dollars(await page.getByTestId('video-cost').textContent())
  assert.ok(Math.abs(dollars(await page.getByTestId('video-margin').textContent()) - (videoRevenue - cost)) < 0.01)
  await shoot('video-analytics')
})

test('create an API key (shown once), use it, revoke it', async () => {
  await nav('API keys')
  await shoot('api-keys-empty')
  await page.getByLabel('Name').fill('nightly batch')
  await page.getByRole('button', { name: 'Create key' }).click()
  const key = ((await page.getByTestId('new-api-key').textContent()) ?? '').trim()
  assert.match(key, /^ytk_/)
  const me = () => fetch(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status)
  assert.equal(await me(), 200)
  await shoot('api-keys-created')
  // The list shows it revoked at once (optimistic); the core has revoked it when its answer arrives.
  const revoked = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes('/v1/api-keys/'))
  await page.getByRole('button', { name: 'Revoke nightly batch' }).click()
  await page.locator('tr.revoked').getByText('Revoked').waitFor()
  assert.equal((await revoked).status(), 204)
  assert.equal(await me(), 401)
})

test('every other page: videos, overview, upcoming sections, admin with the queue board', async () => {
  await nav('Videos')
  await page.locator('.video-row').first().waitFor()
  await shoot('videos')
  await nav('Overview')
  await page.getByRole('heading', { name: 'Recently finished' }).waitFor()
  await shoot('overview')
  await nav('Billing')
  await page.getByText('Billing is off on this installation').waitFor()
  await shoot('billing')
  await nav('Webhooks')
  // A private address is refused by the core, and the refusal is shown at the URL field.
  await page.getByLabel('URL').fill('http://127.0.0.1:9/hook')
  await page.getByRole('button', { name: 'Add endpoint' }).click()
  await page.locator('.field-invalid .field-error').first().waitFor()
  assert.equal(await page.getByLabel('URL').getAttribute('aria-invalid'), 'true')
  await shoot('webhooks')
  await nav('Admin', 'Administration')
  await page.getByRole('cell', { name: email }).waitFor()
  await page.getByText('No dead letters').waitFor()
  await shoot('admin')
  const [board] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Open the queue board' }).click()])
  await board.waitForURL(/\/admin\/queues\/$/)
  await board.getByText('video-render').first().waitFor({ timeout: 15_000 })
  assert.doesNotMatch(board.url(), /access=/)
  await board.setViewportSize(WIDTHS.desktop)
  await board.screenshot({ path: join(ARTIFACTS, 'admin-queues-desktop.png') })
  await board.close()
  await go(videoPath, /.+/)
  await shoot('video-reloaded')
  assert.deepEqual(pageErrors, [])
})
