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
import jsQR from 'jsqr'
import * as OTPAuth from 'otpauth'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000'
const GOOGLE = process.env.GOOGLE_URL ?? ''
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

/** What an authenticator app's camera reads: the PNG's pixels (drawn in a blank page, outside the app's CSP) through jsQR. */
async function scanQr(png: Buffer): Promise<string | null> {
  const scratch = await context.newPage()
  try {
    const { width, height, rgba } = await scratch.evaluate(async (base64) => {
      const img = new Image()
      img.src = `data:image/png;base64,${base64}`
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.naturalWidth
      canvas.height = img.naturalHeight
      const ctx = canvas.getContext('2d')!
      ctx.drawImage(img, 0, 0)
      return { width: canvas.width, height: canvas.height, rgba: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data) }
    }, png.toString('base64'))
    return jsQR(Uint8ClampedArray.from(rgba), width, height)?.data ?? null
  } finally {
    await scratch.close()
  }
}

/** Checks the page, then photographs it at both widths. */
async function shoot(name: string) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await accessibility(name)
  for (const [label, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size)
    await page.waitForTimeout(150) // charts redraw on resize
    // Usable on a phone: nothing makes the page wider than the screen (wide tables scroll in their own box).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `${name} (${label}): the page is ${overflow} px wider than the screen`)
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
  // The QR code as shown on the screen, read by a decoder other than the encoder, holds the link's otpauth
  // URI; the key to type instead is that URI's secret; and the code from it is the one that turns two-factor on.
  const qr = page.getByRole('img', { name: 'QR code that adds ytempire to your authenticator app' })
  await qr.waitFor()
  const otpauthUri = await page.getByRole('link', { name: 'open this link' }).getAttribute('href')
  assert.match(otpauthUri ?? '', /^otpauth:\/\/totp\//)
  const scanned = await scanQr(await qr.screenshot())
  assert.equal(scanned, otpauthUri)
  const enrolled = OTPAuth.URI.parse(scanned!)
  assert.ok(enrolled instanceof OTPAuth.TOTP)
  mfaSecret = enrolled.secret.base32
  assert.equal((await page.getByTestId('mfa-secret').textContent())!.trim(), mfaSecret)
  await shoot('security-mfa-setup')
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
  await page.locator('.section-head').getByText('3 a week · Mon, Wed, Fri at 09:00 (Europe/London)').waitFor()
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
  // The page must be fed by the stream, not by its fallback (a plain GET of the video, a second after
  // the stream fails): it opens /events as text/event-stream, and the bar shows a value strictly between
  // 0 and 100 % while the page has asked for the video no other way since the stream opened.
  const streams: string[] = []
  let plainGets = 0
  let plainGetsAtStream: number | null = null
  page.on('request', (r) => {
    if (r.method() === 'GET' && /^\/v1\/videos\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname)) plainGets++
  })
  page.on('response', (r) => {
    if (!/^\/v1\/videos\/[0-9a-f-]{36}\/events$/.test(new URL(r.url()).pathname)) return
    streams.push(`${r.status()} ${r.headers()['content-type']}`)
    plainGetsAtStream ??= plainGets
  })
  // Every value the overall bar shows, in order: the page reports each change (a MutationObserver), and
  // Playwright delivers a request's event before any change its answer could cause.
  const shown: { text: string; streamOnly: boolean }[] = []
  await page.exposeFunction('progressShown', (text: string) =>
    shown.push({ text, streamOnly: plainGetsAtStream !== null && plainGets === plainGetsAtStream }),
  )
  await page.evaluate(() => {
    let last = ''
    new MutationObserver(() => {
      const text = document.querySelector('.progress-value')?.textContent ?? ''
      if (text === last) return
      last = text
      ;(window as unknown as { progressShown(t: string): void }).progressShown(text)
    }).observe(document.body, { childList: true, subtree: true, characterData: true })
  })
  await page.getByRole('button', { name: 'Make the video' }).click()
  await page.waitForURL(/\/videos\/[0-9a-f-]{36}$/)
  videoPath = new URL(page.url()).pathname
  const overall = page.locator('.progress-value').first()
  await overall.waitFor()
  await shoot('video-in-flight')
  await overall.and(page.getByText('100 %', { exact: true })).waitFor({ timeout: 120_000 })
  console.log(`progress shown: ${shown.map((s) => `${s.text}${s.streamOnly ? '' : ' (not from the stream alone)'}`).join(', ')}`)
  assert.ok(
    streams.some((s) => /^200 text\/event-stream/.test(s)),
    `the page opened the video's event stream (responses: ${streams.join('; ') || 'none'})`,
  )
  const percent = (text: string) => (/^\d+ %$/.test(text) ? Number.parseInt(text, 10) : Number.NaN)
  const live = shown.filter((s) => s.streamOnly && percent(s.text) > 0 && percent(s.text) < 100)
  assert.ok(live.length > 0, `a value between 0 and 100 % came from the stream (shown: ${JSON.stringify(shown)})`)
  assert.ok(shown.findIndex((s) => s.text === '100 %') > shown.indexOf(live[0]!), 'the intermediate value came before 100 %')
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

/** A datetime-local value (the browser's time zone is this process's) `hours` from now, on the minute. */
function localInput(hours: number): string {
  const d = new Date(Date.now() + hours * 3600_000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

test('connect YouTube through Google’s consent page, fill the backlog, publish the finished video, see its YouTube link', async () => {
  await go(channelPath, 'Curious Creatures')
  const youtube = page.locator('section', { has: page.getByRole('heading', { name: 'YouTube', exact: true }) })
  await youtube.getByText('Not connected.').waitFor()
  const states = page.getByRole('list', { name: 'Publishing state' })
  await states.getByText('Not connected to YouTube').waitFor()

  // Cancelled on Google's page: back on the channel page, told so, nothing linked.
  await page.getByRole('button', { name: 'Connect YouTube' }).click()
  await page.waitForURL((u) => u.href.startsWith(GOOGLE))
  await page.getByText('ytempire wants to access your Google Account').waitFor()
  await page.getByRole('link', { name: 'Cancel' }).click()
  await page.waitForURL(`${BASE}${channelPath}?youtube=denied`)
  await youtube
    .getByRole('alert')
    .getByText(/did not finish: Google did not grant access/)
    .waitFor()
  await shoot('channel-connect-cancelled')

  // Allowed: the core links the channel and sends the browser back here.
  await page.getByRole('button', { name: 'Connect YouTube' }).click()
  await page.waitForURL((u) => u.href.startsWith(GOOGLE))
  await page.getByRole('link', { name: 'Allow' }).click()
  await page.waitForURL(`${BASE}${channelPath}?youtube=connected`)
  await youtube.getByRole('status').getByText('Connected to YouTube as Curious Creatures TV.').waitFor()
  await youtube.getByRole('link', { name: 'Curious Creatures TV' }).waitFor()
  await states.getByText('Connected', { exact: true }).waitFor()
  await youtube.getByText(/Not allowed \(verify the channel/).waitFor()

  // The backlog: a script queued for the autopilot, first in the schedule's next slot.
  await page.getByLabel('Script', { exact: true }).fill('Octopuses have three hearts.\n\nTwo pump blood to the gills, one to the body.')
  await page.getByRole('button', { name: 'Add to backlog' }).click()
  await page.getByRole('list').locator('.backlog-title', { hasText: 'Octopuses have three hearts' }).waitFor()
  await page.getByRole('cell', { name: 'from the backlog' }).first().waitFor()
  // The free plan has no autopilot: said, and the button waits for a plan that has it.
  const autopilot = page.locator('section', { has: page.getByRole('heading', { name: 'Autopilot and schedule' }) })
  await autopilot
    .getByRole('list', { name: 'Before the autopilot can start' })
    .getByText('Your plan does not include the autopilot.')
    .waitFor()
  assert.equal(await autopilot.getByRole('button', { name: 'Turn autopilot on' }).isDisabled(), true)
  await shoot('channel-connected')
  await nav('Admin', 'Administration')
  const plan = page.getByLabel(`Plan of ${email}`)
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/plan') && r.status() === 200), plan.selectOption('pro')])
  await go(channelPath, 'Curious Creatures')
  await autopilot.getByRole('button', { name: 'Turn autopilot on' }).click()
  await autopilot.getByRole('button', { name: 'Pause autopilot' }).waitFor()
  await states.getByText('Autopilot on').waitFor()
  await shoot('channel-autopilot-on')

  // Publish the finished video: publishAt with a public privacy is refused, and said at the privacy field.
  await go(videoPath, /.+/)
  const form = page.getByRole('form', { name: 'Publish to YouTube' })
  await form.getByLabel('Privacy on YouTube').selectOption('public')
  await form.getByLabel('Publish at (optional)').fill(localInput(24))
  await form.getByRole('button', { name: 'Publish' }).click()
  const privacy = form.getByLabel('Privacy on YouTube')
  await form
    .locator('.field-invalid .field-error')
    .getByText(/schedules only private videos/)
    .waitFor()
  assert.equal(await privacy.getAttribute('aria-invalid'), 'true')
  await shoot('video-publish-refused')
  await privacy.selectOption('private')
  await form.getByRole('button', { name: 'Publish' }).click()
  const link = page.getByTestId('youtube-link')
  await link.waitFor({ timeout: 60_000 })
  const href = (await link.getAttribute('href')) ?? ''
  const id = href.match(/^https:\/\/www\.youtube\.com\/watch\?v=([\w-]{11})$/)?.[1]
  assert.ok(id, `a YouTube link (${href})`)
  await page.getByText('On YouTube', { exact: true }).waitFor()
  await page.getByText(/\(scheduled\)$/).waitFor()
  // The channel may not use custom thumbnails: a warning, not a failure.
  await page.getByRole('list', { name: 'Warnings' }).waitFor()
  // YouTube holds exactly this one video, private until its time, as the page says.
  const held = (await (await fetch(`${GOOGLE}/_fake/videos`)).json()) as { id: string; privacyStatus: string; publishAt: string | null }[]
  assert.deepEqual(
    held.map((v) => [v.id, v.privacyStatus, Boolean(v.publishAt)]),
    [[id, 'private', true]],
  )
  await shoot('video-published')

  // A new video may ask to be published when it is finished.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'New video', exact: true }).click()
  await page.getByLabel(/Upload it to Curious Creatures TV/).check()
  await page.getByLabel('Privacy on YouTube').waitFor()
  await shoot('new-video-publish')
})

/** YYYY-MM-DD in Pacific time (YouTube Analytics days), `n` days before today. */
const pacificDay = (n = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date(Date.now() - n * 86_400_000))
const dollars = (text: string | null) => Number((text ?? '').replace(/[^0-9.-]/g, ''))
const count = (text: string | null) => Number((text ?? '').replace(/[^0-9]/g, ''))

test('analytics: reconnect with revenue, ingest from YouTube, the channel by day with its videos by margin, the month, the video against its cost', async () => {
  // What YouTube Analytics will report for the published video, and a video published outside ytempire.
  await go(videoPath, /.+/)
  const youtubeId = (await page.getByTestId('youtube-link').getAttribute('href'))!.split('v=')[1]!
  const days = Array.from({ length: 19 }, (_, i) => ({
    day: pacificDay(i + 2),
    views: 150 + i * 7,
    estimatedMinutesWatched: 300 + i * 11,
    estimatedRevenue: Math.round((0.35 + i * 0.01) * 1000) / 1000,
  }))
  const seeded = await fetch(`${GOOGLE}/_fake/analytics`, {
    method: 'POST',
    body: JSON.stringify({
      videoId: youtubeId,
      days,
      external: { title: 'Behind the scenes', publishedAt: `${pacificDay(12)}T15:00:00Z` },
    }),
  })
  assert.equal(seeded.status, 200)
  const revenue = days.reduce((n, d) => n + d.estimatedRevenue, 0)

  // Connecting again with revenue: the core brings the last 30 days in again, now with revenue.
  await go(channelPath, 'Curious Creatures')
  await page.getByRole('button', { name: 'Also read revenue' }).click()
  await page.waitForURL((u) => u.href.startsWith(GOOGLE))
  await page.getByRole('link', { name: 'Allow' }).click()
  await page.waitForURL(`${BASE}${channelPath}?youtube=connected`)
  // The run is a background job: the page shows its figures once it has finished.
  const table = page.getByTestId('videos-by-margin')
  for (let i = 0; i < 60; i++) {
    const revenueCounted = (await page.getByText(/Margins count revenue as 0|has not been asked for yet/).count()) === 0
    if ((await table.locator('tbody tr').count()) === 2 && revenueCounted) break
    await page.waitForTimeout(500)
    await go(channelPath, 'Curious Creatures')
  }
  const rows = table.locator('tbody tr')
  assert.equal(await rows.count(), 2)
  assert.match((await page.getByTestId('sync-status').textContent()) ?? '', /\(ok\)/)
  // The channel's days (YouTube's day report) agree with its videos (the per-video reports).
  const perVideo = (await table.locator('tbody tr td:nth-child(2)').allTextContents()).map(count)
  assert.equal(count(await page.getByTestId('channel-views').textContent()), perVideo[0]! + perVideo[1]!)
  // Best margin first: the outside video cost nothing, ours cost its render.
  const margins = (await table.locator('tbody tr td:last-child').allTextContents()).map(dollars)
  assert.deepEqual(
    margins,
    [...margins].sort((a, b) => b - a),
  )
  await table.getByText('published elsewhere').waitFor()
  await page.getByRole('button', { name: 'Refresh from YouTube' }).click()
  await page.getByRole('button', { name: 'Refresh queued' }).waitFor()
  await page.locator('.chart canvas').first().waitFor()
  await shoot('channel-analytics')

  await nav('Analytics')
  const row = page.getByRole('row', { name: /Curious Creatures/ })
  await row.waitFor()
  assert.match((await page.getByTestId('month-cost').textContent()) ?? '', /^\$\d/)
  await shoot('analytics')
  await row.getByRole('link', { name: 'Curious Creatures' }).click()
  await page.getByTestId('videos-by-margin').waitFor()
  await shoot('analytics-channel')

  await go(videoPath, /.+/)
  await page.getByRole('heading', { name: 'Revenue against cost' }).waitFor()
  const earned = page.getByTestId('video-revenue')
  await earned.waitFor()
  assert.ok(Math.abs(dollars(await earned.textContent()) - revenue) < 0.01, `video revenue ${await earned.textContent()} vs ${revenue}`)
  assert.equal(
    count(await page.getByTestId('video-views').textContent()),
    days.reduce((n, d) => n + d.views, 0),
  )
  const cost = dollars(await page.getByTestId('video-cost').textContent())
  assert.ok(Math.abs(dollars(await page.getByTestId('video-margin').textContent()) - (revenue - cost)) < 0.01)
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
  await page.getByRole('heading', { name: 'YouTube quota today' }).waitFor()
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

test('a viewer reads without write controls: the admin makes a second account a viewer through the API', async () => {
  const viewerEmail = `viewer.${Date.now().toString(36)}@example.com`
  const json = { 'content-type': 'application/json' }
  const registered = await fetch(`${BASE}/v1/auth/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: viewerEmail, password }),
  })
  assert.equal(registered.status, 201)
  const viewer = (await registered.json()) as { id: string; role: string }
  assert.equal(viewer.role, 'member')
  // The admin (the first account, two-factor on) signs in over the API with an unused recovery code.
  const login = await fetch(`${BASE}/v1/auth/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password, recoveryCode: recoveryCodes[1] }),
  })
  assert.equal(login.status, 200)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const changed = await fetch(`${BASE}/v1/admin/users/${viewer.id}/role`, {
    method: 'PATCH',
    headers: { ...json, authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ role: 'viewer' }),
  })
  assert.equal(changed.status, 200)

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByLabel('E-mail').fill(viewerEmail)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
  const sections = page.getByRole('navigation', { name: 'Sections' })
  assert.equal(await sections.getByRole('link', { name: 'Admin', exact: true }).count(), 0)
  await page.getByText('Nothing is rendering or uploading right now.').waitFor()
  assert.equal(await page.getByRole('link', { name: 'Make a video' }).count(), 0)
  assert.equal(await page.getByRole('link', { name: 'Create your first channel' }).count(), 0)

  const note = page.getByText('Viewers can read but not change anything; ask an admin for the member role.')
  // No channels: a member would be shown the new-channel form here; the viewer is told why there is none.
  await nav('Channels')
  await note.waitFor()
  await page.getByText('No channels yet.', { exact: true }).waitFor()
  assert.equal(await page.getByRole('button', { name: 'New channel' }).count(), 0)
  assert.equal(await page.getByRole('button', { name: 'Create channel' }).count(), 0)
  await shoot('viewer-channels')

  await nav('Videos')
  await page.getByText('No videos yet.').waitFor()
  assert.equal(await page.getByRole('link', { name: 'New video' }).count(), 0)
  assert.equal(await page.getByRole('link', { name: 'Make a video' }).count(), 0)
  await shoot('viewer-videos')

  // The new-video page is all form: said instead.
  await go('/videos/new', 'New video')
  await note.waitFor()
  assert.equal(await page.getByRole('button', { name: /Make|Publish|Create/ }).count(), 0)
  await shoot('viewer-new-video')

  await nav('API keys')
  await note.waitFor()
  assert.equal(await page.getByRole('button', { name: 'Create key' }).count(), 0)
  await nav('Webhooks')
  await note.waitFor()
  assert.equal(await page.getByRole('button', { name: 'Add endpoint' }).count(), 0)
  await shoot('viewer-webhooks')
  assert.deepEqual(pageErrors, [])
})
