// `bun run test`: every suite, against real PostgreSQL, Redis, ffmpeg and workerd.
// Ends with one line "N passed, N failed" (the CI reads it), and exits non-zero on any failure.
import { existsSync } from 'node:fs'
import { ensurePostgres, ensureRedis } from './services'
import { bunTestCounts, runTeed } from './tee'

const dataDir = process.env.DATA_DIR ?? '.data'
const log = (m: string) => console.log(`[test] ${m}`)
const pg = await ensurePostgres({ url: process.env.TEST_DATABASE_URL, dataDir, log })
const redis = await ensureRedis({ url: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL, dataDir, log })
const env = { ...process.env, TEST_DATABASE_URL: pg.url, TEST_REDIS_URL: redis.url, REDIS_URL: redis.url, NODE_ENV: 'test' }

const only = process.argv.slice(2)
interface Suite {
  name: string
  cmd: string[]
  parse(out: string, code: number): { passed: number; failed: number }
}
const vitestParse = (out: string) => {
  // "Tests  12 passed | 1 failed (13)" (colour codes stripped)
  const line =
    out
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
      .split('\n')
      .find((l) => /^\s*Tests\s+/.test(l)) ?? ''
  return { passed: Number(line.match(/(\d+) passed/)?.[1] ?? 0), failed: Number(line.match(/(\d+) failed/)?.[1] ?? 0) }
}
// A type error is a failed check too: strict TypeScript over core, render, scripts and web, then the edge's own.
const typecheckParse = (out: string, code: number) =>
  code !== 0 || /error TS\d+/.test(out) ? { passed: 0, failed: 1 } : { passed: 1, failed: 0 }
// A runner that ends with its own "N passed, N failed" line (the web suite: Bun unit tests plus the browser flows under Node).
const plainParse = (out: string) => {
  const m = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop()
  return { passed: Number(m?.[1] ?? 0), failed: Number(m?.[2] ?? 0) }
}
// Formatting and lint drift fail the run: `bun run format` fixes what it can.
const checkParse = (_out: string, code: number) => (code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 })
const suites: Suite[] = [
  { name: 'biome', cmd: ['bun', 'run', 'lint'], parse: checkParse },
  { name: 'typecheck', cmd: ['sh', '-c', 'bun run typecheck && bun run --cwd edge typecheck'], parse: typecheckParse },
  // The workspaces under packages/ (the storage contract starts its own S3-protocol server).
  { name: 'packages', cmd: ['bun', 'test', '--timeout', '120000', 'packages'], parse: bunTestCounts },
  { name: 'core', cmd: ['bun', 'test', '--timeout', '60000', 'core/test'], parse: bunTestCounts },
  ...(existsSync('render/test')
    ? [{ name: 'render', cmd: ['bun', 'test', '--timeout', '120000', 'render/test'], parse: bunTestCounts }]
    : []),
  ...(existsSync('edge/scripts/test.ts') ? [{ name: 'edge', cmd: ['bun', 'run', '--cwd', 'edge', 'test'], parse: vitestParse }] : []),
  // Operations: restore drill (pgBackRest), read replicas, Sentinel failover, promtool/amtool, compose.
  { name: 'ops', cmd: ['bun', 'test', '--timeout', '120000', 'deploy/test'], parse: bunTestCounts },
  { name: 'web', cmd: ['bun', 'run', 'web/test/run.ts'], parse: plainParse },
]

let passed = 0
let failed = 0
const runStarted = performance.now()
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue
  const suiteStarted = performance.now()
  log(`running ${suite.name}: ${suite.cmd.join(' ')}`)
  const { out, code } = await runTeed(suite.cmd, { env })
  const r = suite.parse(out, code)
  // A suite that crashed before reporting counts as one failure rather than silently passing.
  if (code !== 0 && r.failed === 0) r.failed = 1
  log(`${suite.name}: ${r.passed} passed, ${r.failed} failed (exit ${code}, ${seconds(suiteStarted)})`)
  passed += r.passed
  failed += r.failed
}
pg.stop()
redis.stop()
log(`all suites: ${seconds(runStarted)}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
