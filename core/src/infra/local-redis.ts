// Dev/demo convenience: with REDIS_URL unset and nothing on the default port, start a private
// redis-server from PATH with its files under the data folder. scripts/services.ts finds or starts
// PostgreSQL by the same rule (findOrStartServer).
import { mkdirSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'

export interface LocalServer {
  url: string
  stop(): void
}
export interface LocalServerOptions {
  /** The configured server; nothing is looked for or started when it is set. */
  url?: string
  /** Where a private server keeps its files. */
  dataDir: string
  log?: (m: string) => void
}

/**
 * The configured server, else the one answering on its default port, else a private one from
 * `start`, stopped when this process exits.
 */
export async function findOrStartServer(
  opts: LocalServerOptions,
  standard: { port: number; url: string },
  start: () => Promise<LocalServer>,
): Promise<LocalServer> {
  if (opts.url) return { url: opts.url, stop() {} }
  if (await portAnswers('127.0.0.1', standard.port)) return { url: standard.url, stop() {} }
  const server = await start()
  process.once('exit', server.stop)
  return server
}

export const ensureRedis = (opts: LocalServerOptions): Promise<LocalServer> =>
  findOrStartServer(opts, { port: 6379, url: 'redis://127.0.0.1:6379' }, () => startRedis(opts))

async function startRedis(opts: LocalServerOptions): Promise<LocalServer> {
  const bin = Bun.which('redis-server')
  if (!bin) {
    throw new Error(
      'No Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379, and redis-server is not on PATH.\n' +
        'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.',
    )
  }
  const dir = resolve(opts.dataDir, 'redis')
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const proc = Bun.spawn(
    [
      bin,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    {
      stdout: 'ignore',
      stderr: 'inherit',
    },
  )
  for (let i = 0; i < 100; i++) {
    if (await portAnswers('127.0.0.1', port)) break
    await Bun.sleep(50)
  }
  opts.log?.(`started a private redis-server on port ${port} (files in ${dir})`)
  const stop = () => {
    try {
      proc.kill('SIGTERM')
    } catch {}
  }
  return { url: `redis://127.0.0.1:${port}`, stop }
}

export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port })
    const done = (ok: boolean) => {
      s.destroy()
      res(ok)
    }
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
    s.setTimeout(500, () => done(false))
  })
}

export async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() })
  const port = server.port!
  server.stop(true)
  return port
}
