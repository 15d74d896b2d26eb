// A throwaway PostgreSQL cluster for the operations tests: its own data directory, port and socket
// under a temporary folder, never the server on 5432. initdb and postgres refuse to run as root, so
// as root every command runs as the `postgres` OS user.
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { freePort } from '../../core/src/infra/local-redis'
import { postgresBinDir } from '../../scripts/services'

const asRoot = process.getuid?.() === 0

/** Prefix that runs a command as the cluster's owner. */
export const asPostgres = (cmd: string[]): string[] => (asRoot ? ['runuser', '-u', 'postgres', '--', ...cmd] : cmd)

/** Why the operations tests cannot run here, or undefined when PostgreSQL (and pgBackRest, if asked) are installed. */
export function missingTools(opts: { pgbackrest?: boolean } = {}): string | undefined {
  if (!postgresBinDir()) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql'
  if (opts.pgbackrest && !Bun.which('pgbackrest')) return 'pgBackRest is not installed: apt-get install pgbackrest'
  if (asRoot && !Bun.spawnSync(['id', 'postgres']).success) return 'running as root and there is no postgres OS user to own the cluster'
  return undefined
}

/** A temporary folder the postgres user may write into. */
export function workDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ytempire-${tag}-`))
  if (asRoot) chownSync(dir, ...postgresIds())
  return dir
}

export function ownedDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  if (asRoot) chownSync(path, ...postgresIds())
  return path
}

function postgresIds(): [number, number] {
  const out = Bun.spawnSync(['id', '-u', 'postgres']).stdout.toString().trim()
  const gid = Bun.spawnSync(['id', '-g', 'postgres']).stdout.toString().trim()
  return [Number(out), Number(gid)]
}

export function sh(cmd: string[], env: Record<string, string> = {}): string {
  const r = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  if (!r.success) throw new Error(`${cmd.join(' ')} failed (${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`)
  return r.stdout.toString()
}

export class PrivateCluster {
  readonly bin = postgresBinDir()!
  readonly socketDir: string
  constructor(
    readonly dataDir: string,
    readonly port: number,
    /** Environment of the server (archive_command and restore_command see it) and of pgbackrest calls. */
    readonly env: Record<string, string> = {},
  ) {
    this.socketDir = ownedDir(`${dataDir}.sock`)
  }

  static async create(parent: string, name: string, opts: { env?: Record<string, string>; settings?: Record<string, string> } = {}) {
    const cluster = new PrivateCluster(join(parent, name), await freePort(), opts.env)
    cluster.initdb()
    cluster.configure(opts.settings ?? {})
    return cluster
  }

  /** A cluster over a data directory that another tool fills (pg_basebackup, pgbackrest restore). */
  static async adopt(dataDir: string, env: Record<string, string> = {}) {
    return new PrivateCluster(dataDir, await freePort(), env)
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  initdb() {
    ownedDir(this.dataDir)
    sh(asPostgres([join(this.bin, 'initdb'), '-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']))
  }

  /** Appends settings to postgresql.conf (later lines win); port and sockets are always this cluster's. */
  configure(settings: Record<string, string>) {
    const lines = Object.entries({
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${this.socketDir}'`,
      ...settings,
    }).map(([k, v]) => `${k} = ${v}`)
    appendFileSync(join(this.dataDir, 'postgresql.conf'), `\n# ytempire operations test\n${lines.join('\n')}\n`)
  }

  start() {
    sh(
      asPostgres([
        join(this.bin, 'pg_ctl'),
        '-D',
        this.dataDir,
        '-o',
        `-p ${this.port}`,
        '-l',
        `${this.dataDir}.log`,
        '-w',
        '-t',
        '120',
        'start',
      ]),
      this.env,
    )
  }

  /** `immediate` is a crash: no shutdown checkpoint, nothing more archived. */
  stop(mode: 'fast' | 'immediate' = 'fast') {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return
    sh(asPostgres([join(this.bin, 'pg_ctl'), '-D', this.dataDir, '-m', mode, '-w', 'stop']))
  }

  /** Losing the cluster: the server dies and its data directory is gone. */
  lose() {
    this.stop('immediate')
    rmSync(this.dataDir, { recursive: true, force: true })
  }

  client(database = 'postgres') {
    return postgres(this.urlFor(database), { max: 2, onnotice: () => {}, connect_timeout: 10 })
  }

  /** Waits until the server accepts connections and has left recovery (writes possible). */
  async waitPrimary(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const sql = this.client()
      try {
        const [row] = await sql`select pg_is_in_recovery() as recovering`
        if (!row!.recovering) return
      } catch (err) {
        if (Date.now() > deadline) throw err
      } finally {
        await sql.end({ timeout: 1 })
      }
      if (Date.now() > deadline) throw new Error(`cluster on port ${this.port} still in recovery after ${timeoutMs} ms`)
      await Bun.sleep(50)
    }
  }
}
