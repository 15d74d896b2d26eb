// Finds or starts the PostgreSQL and Redis that tests and the demo need, so a fresh machine works
// with one command. Nothing is started when a server already answers or a URL is configured.
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ensureRedis, findOrStartServer, freePort, type LocalServer, type LocalServerOptions } from '../core/src/infra/local-redis'

export { ensureRedis }

export const ensurePostgres = (opts: LocalServerOptions): Promise<LocalServer> =>
  findOrStartServer(opts, { port: 5432, url: 'postgres://postgres@127.0.0.1:5432/test' }, () => startPostgres(opts))

async function startPostgres(opts: LocalServerOptions): Promise<LocalServer> {
  const bin = postgresBinDir()
  if (!bin) {
    throw new Error(
      'No PostgreSQL: TEST_DATABASE_URL is unset, nothing answers on 127.0.0.1:5432, and no PostgreSQL binaries were found.\n' +
        'Install them (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@15) or set TEST_DATABASE_URL.',
    )
  }
  const dir = resolve(opts.dataDir, 'test-postgres')
  const runAsRoot = process.getuid?.() === 0
  // initdb refuses to run as root; on a root-only machine the cluster belongs to the postgres user.
  const asUser = (cmd: string[]) => (runAsRoot ? ['su', 'postgres', '-s', '/bin/sh', '-c', cmd.map((c) => `'${c}'`).join(' ')] : cmd)
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true })
    if (runAsRoot) Bun.spawnSync(['chown', '-R', 'postgres', resolve(opts.dataDir, 'test-postgres')])
    const init = Bun.spawnSync(asUser([join(bin, 'initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']), {
      stdout: 'ignore',
      stderr: 'pipe',
    })
    if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`)
  }
  const port = await freePort()
  const start = Bun.spawnSync(
    asUser([
      join(bin, 'pg_ctl'),
      '-D',
      dir,
      '-o',
      `-p ${port} -k /tmp -c listen_addresses=127.0.0.1`,
      '-l',
      join(dir, 'server.log'),
      '-w',
      'start',
    ]),
    { stdout: 'ignore', stderr: 'pipe' },
  )
  if (start.exitCode !== 0) throw new Error(`pg_ctl start failed: ${start.stderr.toString()}`)
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  opts.log?.(`started a private PostgreSQL on port ${port} (files in ${dir})`)
  const stop = () => {
    Bun.spawnSync(asUser([join(bin, 'pg_ctl'), '-D', dir, '-m', 'fast', 'stop']), { stdout: 'ignore', stderr: 'ignore' })
  }
  writeFileSync(join(opts.dataDir, 'test-postgres.url'), url)
  return { url, stop }
}

export function postgresBinDir(): string | undefined {
  // Through symlinks: the other server tools (pg_basebackup, ...) sit beside the real pg_ctl.
  const onPath = Bun.which('pg_ctl')
  if (onPath) return resolve(realpathSync(onPath), '..')
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin')
  return undefined
}
