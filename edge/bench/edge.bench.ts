/**
 * Edge benchmark, run by Node 22 (`bun run --cwd edge bench`). In one run it loads an
 * authenticated, cacheable GET through `wrangler dev` (workerd) and the same GET straight to the
 * origin, and prints rps, p50, p99, the latency the edge adds, and how many requests reached the
 * origin while the edge was under load (cache hits must not touch it).
 *
 *   --origin=stub|core   the stub core (default) or the real core (needs PostgreSQL and Redis)
 *   --duration=SECONDS   per phase (default 10)     --connections=N   (default 8)
 *   --rate=N             total requests/s, fixed-rate (default: as fast as it goes)
 */
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { importJWK, SignJWT } from 'jose'
import { innerWorkerUrl, type Running, startCore, startWranglerDev, waitFor } from '../test/e2e/processes.ts'
import { startStubCore } from '../test/node/stub-core.ts'

const { values: args } = parseArgs({
  options: {
    origin: { type: 'string', default: 'stub' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    rate: { type: 'string' },
  },
})
const duration = Number(args.duration)
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
  requests: number
  non2xx: number
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/** autocannon's histogram is whole milliseconds; its per-response times are not, so keep them. */
async function load(url: string, headers: Record<string, string>): Promise<Phase> {
  const samples: number[] = []
  const instance = autocannon({ url, headers, connections, duration, ...(rate ? { overallRate: rate } : {}) })
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) samples.push(ms)
  })
  const result = await instance
  samples.sort((a, b) => a - b)
  return {
    rps: result.requests.average,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    requests: result.requests.total,
    non2xx: result.non2xx,
  }
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
  try {
    await waitFor(`${edge.url}/health`, edge)
    const first = await fetch(edge.url + target.path, { headers: target.headers })
    if (first.status !== 200) throw new Error(`edge answered ${first.status}: ${await first.text()}`)
    // Warm both paths (JIT, connection pools) before measuring.
    for (let i = 0; i < 200; i++) {
      await (await fetch(edge.url + target.path, { headers: target.headers })).arrayBuffer()
      await (await fetch(target.originUrl + target.path, { headers: target.headers })).arrayBuffer()
    }
    const check = await fetch(edge.url + target.path, { headers: target.headers })
    const xCache = check.headers.get('x-cache')
    await check.arrayBuffer()

    // wrangler dev puts its own dev proxy (a Durable Object queue and an HTTP hop) in front of the
    // worker; production has nothing like it. The worker's own workerd socket shows what the edge costs.
    const socket = await innerWorkerUrl(edge, target.path)
    if (socket) {
      // Its host differs, so its cache keys do too: warm them.
      for (let i = 0; i < 50; i++) await (await fetch(socket + target.path, { headers: target.headers })).arrayBuffer()
    }

    let before = await target.originCount()
    const viaEdge = await load(edge.url + target.path, target.headers)
    const originDuringEdge = (await target.originCount()) - before
    before = await target.originCount()
    const viaSocket = socket ? await load(socket + target.path, target.headers) : undefined
    const originDuringSocket = (await target.originCount()) - before
    const direct = await load(target.originUrl + target.path, target.headers)

    // What local workerd costs a worker that does nothing, under the same load.
    const floorWorker = await startWranglerDev({
      originUrl: target.originUrl,
      sharedSecret,
      config: resolve(import.meta.dirname, 'floor/wrangler.jsonc'),
    })
    let floor: Phase | undefined
    let floorSocket: Phase | undefined
    try {
      await waitFor(`${floorWorker.url}/`, floorWorker)
      const floorInner = await innerWorkerUrl(floorWorker, '/')
      for (let i = 0; i < 200; i++) await (await fetch(`${floorWorker.url}/`)).arrayBuffer()
      floor = await load(floorWorker.url + target.path, {})
      floorSocket = floorInner ? await load(floorInner + target.path, {}) : undefined
    } finally {
      await floorWorker.stop()
    }

    const fmt = (n: number) => n.toFixed(3).padStart(9)
    const row = (name: string, p: Phase) =>
      `${name.padEnd(34)} ${p.rps.toFixed(0).padStart(8)} ${fmt(p.p50)} ${fmt(p.p99)} ${String(p.requests).padStart(9)} ${String(p.non2xx).padStart(6)}`
    const added = (name: string, p: Phase) =>
      `added by the edge (${name}): p50 ${(p.p50 - direct.p50).toFixed(3)} ms, p99 ${(p.p99 - direct.p99).toFixed(3)} ms`
    console.log(
      `\nedge bench: GET ${target.path} (${args.origin} origin), ${connections} connections, ${duration} s per phase${rate ? `, ${rate} req/s` : ''}`,
    )
    console.log(
      `${''.padEnd(34)} ${'rps'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'requests'.padStart(9)} ${'non2xx'.padStart(6)}`,
    )
    console.log(row('edge via wrangler dev (cached)', viaEdge))
    if (viaSocket) console.log(row('edge, worker socket (cached)', viaSocket))
    console.log(row('straight to origin', direct))
    if (floor) console.log(row('do-nothing worker via wrangler dev', floor))
    if (floorSocket) console.log(row('do-nothing worker, worker socket', floorSocket))
    console.log(added('wrangler dev', viaEdge))
    if (viaSocket) console.log(added('worker socket, no dev proxy', viaSocket))
    if (viaSocket && floorSocket) {
      console.log(
        `the edge's own work over a do-nothing worker (worker socket): p50 ${(viaSocket.p50 - floorSocket.p50).toFixed(3)} ms, p99 ${(viaSocket.p99 - floorSocket.p99).toFixed(3)} ms`,
      )
    }
    console.log(`X-Cache before the run: ${xCache}`)
    console.log(
      `origin requests for ${target.path} while the edge was loaded: ${originDuringEdge} (wrangler dev)${viaSocket ? `, ${originDuringSocket} (worker socket)` : ''}`,
    )
  } finally {
    await edge.stop()
    await target.stop()
  }
}

await main()
