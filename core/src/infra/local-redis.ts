// Dev/demo convenience: with REDIS_URL unset and nothing on the default port, start a private
// redis-server from PATH with its files under the data folder.
import { mkdirSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'

export async function ensureRedis(opts: {
  redisUrl?: string
  dataDir: string
  log?: (m: string) => void
}): Promise<{ url: string; stop(): void }> {
  if (opts.redisUrl) return { url: opts.redisUrl, stop() {} }
  if (await portAnswers('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop() {} }
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
  process.once('exit', stop)
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
