/**
 * Edge benchmark, run by Node 22 (`bun run --cwd edge bench`, or `bun run bench edge`). In one run
 * it loads an authenticated, cached GET through the edge and the same GET through a do-nothing
 * worker (bench/floor), both under `wrangler dev` and on their own workerd sockets, and straight to
 * the origin; the phases take turns, round after round, so a busy machine weighs on all alike.
 * It prints each phase's median rps, p50, p99 and workerd CPU per request, what the edge adds over
 * the do-nothing worker (its own cost on a cache hit), and how many requests reached the origin
 * while the edge was loaded (cache hits must not touch it).
 *
 *   --origin=stub|core   the stub core (default) or the real core (needs PostgreSQL and Redis)
 *   --duration=SECONDS   per phase (default 4)     --rounds=N   (default 3)     --connections=N   (default 8)
 *   --rate=N             total requests/s, fixed-rate (default: as fast as it goes)
 */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { importJWK, SignJWT } from 'jose'
import { innerWorkerUrl, type Running, startCore, startWranglerDev, waitFor, workerdCpuMs } from '../test/e2e/processes.ts'
import { startStubCore } from '../test/node/stub-core.ts'

const { values: args } = parseArgs({
  options: {
    origin: { type: 'string', default: 'stub' },
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    rate: { type: 'string' },
  },
})
const duration = Number(args.duration)
const rounds = Number(args.rounds)
const connections = Number(args.connections)
const rate = args.rate ? Number(args.rate) : undefined

interface Target {
  /** Straight to the origin. */
  originUrl: string
  path: string
  headers: Record<string, string>
  /** Requests the origin has served for `path`. */
  originCount(): Promise<number>
  stop(): Promise<void>
}

async function stubTarget(sharedSecret: string): Promise<Target> {
  const stub = await startStubCore({ sharedSecret })
  const key = await importJWK(stub.privateJwk, 'RS256')
  const token = await new SignJWT({ role: 'member', sid: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: stub.privateJwk.kid!, typ: 'JWT' })
    .setIssuer('ytempire')
    .setAudience('ytempire-api')
    .setSubject('00000000-0000-4000-8000-00000000be9c')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key)
  const path = '/v1/private/bench'
  return {
    originUrl: stub.url,
    path,
    headers: { authorization: `Bearer ${token}` },
    originCount: async () => stub.hits(path),
    stop: () => stub.close(),
  }
}

async function coreTarget(sharedSecret: string): Promise<Target> {
  // The core's own limits (RATE_LIMITS, limit/window seconds) would refuse the direct phase.
  const core: Running = await startCore({ sharedSecret, env: { LOG_LEVEL: 'error', RATE_LIMITS: 'default=1000000000/60' } })
  const email = `edge-bench-${Date.now()}@example.com`
  const password = 'edge bench password!'
  const json = { 'content-type': 'application/json' }
  const reg = await fetch(`${core.url}/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) })
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`)
  const login = await fetch(`${core.url}/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) })
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const path = '/v1/me'
  return {
    originUrl: core.url,
    path,
    headers: { authorization: `Bearer ${accessToken}` },
    // The core's own Prometheus counter for the route.
    originCount: async () => {
      const text = await (await fetch(`${core.url}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count') && l.includes(`route="${path}"`))
      return line ? Number(line.split(' ').at(-1)) : 0
    },
    stop: () => core.stop(),
  }
}

interface Phase {
  rps: number
  p50: number
  p99: number
  /** workerd CPU ms per request, when it could be read. */
  cpu?: number
  requests: number
  non2xx: number
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/** autocannon's histogram is whole milliseconds; its per-response times are not, so keep them. */
async function load(url: string, headers: Record<string, string>, worker?: Running): Promise<Phase> {
  const samples: number[] = []
  const cpuBefore = worker && workerdCpuMs(worker)
  const instance = autocannon({ url, headers, connections, duration, ...(rate ? { overallRate: rate } : {}) })
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) samples.push(ms)
  })
  const result = await instance
  const cpuAfter = worker && workerdCpuMs(worker)
  samples.sort((a, b) => a - b)
  return {
    rps: result.requests.average,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    cpu: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / Math.max(1, result.requests.total) : undefined,
    requests: result.requests.total,
    non2xx: result.non2xx,
  }
}

function median(phases: Phase[]): Phase {
  const mid = <T>(xs: T[]) => xs[Math.floor(xs.length / 2)]!
  const of = (pick: (p: Phase) => number | undefined) => {
    const xs = phases.map(pick).filter((x): x is number => x !== undefined)
    return xs.length ? mid(xs.sort((a, b) => a - b)) : undefined
  }
  return {
    rps: of((p) => p.rps)!,
    p50: of((p) => p.p50)!,
    p99: of((p) => p.p99)!,
    cpu: of((p) => p.cpu),
    requests: phases.reduce((n, p) => n + p.requests, 0),
    non2xx: phases.reduce((n, p) => n + p.non2xx, 0),
  }
}

async function warm(url: string, headers: Record<string, string>, times = 200): Promise<void> {
  for (let i = 0; i < times; i++) await (await fetch(url, { headers })).arrayBuffer()
}

async function main() {
  const sharedSecret = randomBytes(32).toString('hex')
  const target = args.origin === 'core' ? await coreTarget(sharedSecret) : await stubTarget(sharedSecret)
  // The contract's 100/minute would stop a benchmark in its first second; the counting still runs.
  const edge = await startWranglerDev({
    originUrl: target.originUrl,
    sharedSecret,
    vars: { RATE_LIMIT_OVERRIDES: 'default=1000000000/minute' },
  })
  // What local workerd costs a worker that does nothing, loaded the same way.
  const floor = await startWranglerDev({
    originUrl: target.originUrl,
    sharedSecret,
    config: resolve(import.meta.dirname, 'floor/wrangler.jsonc'),
  })
  try {
    await waitFor(`${edge.url}/health`, edge)
    await waitFor(`${floor.url}/`, floor)
    const first = await fetch(edge.url + target.path, { headers: target.headers })
    if (first.status !== 200) throw new Error(`edge answered ${first.status}: ${await first.text()}`)
    // wrangler dev puts its own dev proxy (a Durable Object queue and an HTTP hop) in front of the
    // worker; production has nothing like it. The worker's own workerd socket shows what the edge costs.
    const edgeSocket = await innerWorkerUrl(edge, target.path)
    const floorSocket = await innerWorkerUrl(floor, '/')
    // Warm every path (JIT, connection pools; a socket's host differs, so do its cache keys).
    for (const url of [edge.url, edgeSocket, floor.url, floorSocket, target.originUrl]) {
      if (url) await warm(url + target.path, target.headers)
    }
    const check = await fetch(edge.url + target.path, { headers: target.headers })
    const xCache = check.headers.get('x-cache')
    await check.arrayBuffer()

    // The origin's phase comes right after the edge's: requests still in flight when it ends are counted
    // by the origin a moment later, and must not land in an edge phase's count.
    const phases: Record<string, { url?: string; headers: Record<string, string>; worker?: Running; runs: Phase[] }> = {
      'edge via wrangler dev (cached)': { url: edge.url, headers: target.headers, worker: edge, runs: [] },
      'edge, worker socket (cached)': { url: edgeSocket, headers: target.headers, worker: edge, runs: [] },
      'straight to origin': { url: target.originUrl, headers: target.headers, runs: [] },
      'do-nothing worker via wrangler dev': { url: floor.url, headers: {}, worker: floor, runs: [] },
      'do-nothing worker, worker socket': { url: floorSocket, headers: {}, worker: floor, runs: [] },
    }
    let originDuringEdge = 0
    for (let round = 0; round < rounds; round++) {
      for (const [name, phase] of Object.entries(phases)) {
        if (!phase.url) continue
        const before = await target.originCount()
        phase.runs.push(await load(phase.url + target.path, phase.headers, phase.worker))
        if (name.startsWith('edge')) originDuringEdge += (await target.originCount()) - before
      }
    }
    const result = Object.fromEntries(
      Object.entries(phases).map(([name, phase]) => [name, phase.runs.length ? median(phase.runs) : undefined]),
    )

    const fmt = (n: number | undefined, width = 9) => (n === undefined ? '-' : n.toFixed(3)).padStart(width)
    console.log(
      `\nedge bench: GET ${target.path} (${args.origin} origin), ${connections} connections, ${rounds} rounds of ${duration} s per phase${rate ? `, ${rate} req/s` : ''}; medians`,
    )
    console.log(
      `${''.padEnd(36)} ${'rps'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'cpu ms/req'.padStart(10)} ${'requests'.padStart(9)} ${'non2xx'.padStart(6)}`,
    )
    for (const [name, p] of Object.entries(result)) {
      if (!p) continue
      console.log(
        `${name.padEnd(36)} ${p.rps.toFixed(0).padStart(8)} ${fmt(p.p50)} ${fmt(p.p99)} ${fmt(p.cpu, 10)} ${String(p.requests).padStart(9)} ${String(p.non2xx).padStart(6)}`,
      )
    }
    const over = (label: string, edgePhase?: Phase, floorPhase?: Phase) => {
      if (!edgePhase || !floorPhase) return
      const cpu =
        edgePhase.cpu !== undefined && floorPhase.cpu !== undefined ? `, CPU ${(edgePhase.cpu - floorPhase.cpu).toFixed(3)} ms/req` : ''
      console.log(
        `the edge's own cost on a cache hit over a do-nothing worker (${label}): p50 ${(edgePhase.p50 - floorPhase.p50).toFixed(3)} ms, p99 ${(edgePhase.p99 - floorPhase.p99).toFixed(3)} ms${cpu}`,
      )
    }
    over('worker socket', result['edge, worker socket (cached)'], result['do-nothing worker, worker socket'])
    over('via wrangler dev', result['edge via wrangler dev (cached)'], result['do-nothing worker via wrangler dev'])
    console.log(`X-Cache before the run: ${xCache}`)
    console.log(`origin requests for ${target.path} while the edge was loaded: ${originDuringEdge}`)
  } finally {
    await floor.stop()
    await edge.stop()
    await target.stop()
  }
}

await main()
