// The restore drill: Debian's PostgreSQL and pgBackRest on a private cluster, driven through the
// operators' own commands (`bun run backup`, `bun run restore`) and the committed pgbackrest.conf,
// with repo 2 on an S3 server (s3rver over HTTPS) set up from repo2.env.example's variables.
// Write data, back up, write more, lose the cluster, restore to the latest state (from each
// repository) and to a chosen time, and check row by row what came back. Prints the measured restore
// time and data lost against the seed's RPO (< 1 h) and RTO (< 4 h); nothing about time is asserted.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { backupMetrics, DEFAULT_POLICY, dueBackup, fullsToKeep, isoWeek, parseInfo, readInfo, type Target } from '../../scripts/pgbackrest'
import { asPostgres, missingTools, ownedDir, PrivateCluster, sh, workDir } from './private-postgres'

const ROOT = resolve(import.meta.dir, '../..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const CONF = join(ROOT, 'deploy/pgbackrest/pgbackrest.conf')
const STANZA = 'ytempire'
// The drill's archive_timeout; compose runs PostgreSQL with 60 s.
const DRILL_ARCHIVE_TIMEOUT_S = 1
const missing = missingTools({ pgbackrest: true })
if (missing) console.warn(`[ops] restore drill skipped: ${missing}`)

describe.skipIf(Boolean(missing))('restore drill (private cluster, pgBackRest, encrypted repository)', () => {
  let dir: string
  let env: Record<string, string>
  let cluster: PrivateCluster
  const target = (): Target => ({ config: CONF, stanza: STANZA, env })
  /** Runs one of the operators' commands the way an operator would. */
  const operator = (script: 'backup' | 'restore', args: string[], extraEnv: Record<string, string> = {}) => {
    const r = Bun.spawnSync(['bun', join(ROOT, `scripts/${script}.ts`), ...args, '--local', `--config=${CONF}`, `--stanza=${STANZA}`], {
      env: { ...process.env, ...env, ...extraEnv },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    if (!r.success) throw new Error(`bun run ${script} ${args.join(' ')} failed: ${r.stderr.toString()}${r.stdout.toString()}`)
    return r.stdout.toString()
  }

  // What was written, by batch: ids and the server's clock when each row was written.
  const rows = {
    seed: [] as number[],
    beforeTarget: [] as number[],
    afterTarget: [] as number[],
    trickle: [] as { id: number; at: number }[],
  }
  let targetTime = ''
  let crashedAt = 0
  let restoredIds: number[] = []
  let s3: ReturnType<typeof Bun.spawn> | undefined

  /** Repo 2 as an operator configures it (repo2.env.example), pointed at a local S3 server. */
  async function offSiteRepo(): Promise<Record<string, string>> {
    sh([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 's3.key'),
      '-out',
      join(dir, 's3.crt'),
    ])
    s3 = Bun.spawn(
      ['bun', join(import.meta.dir, 's3-server.ts'), join(dir, 's3'), join(dir, 's3.key'), join(dir, 's3.crt'), 'ytempire-backups'],
      {
        stdout: 'pipe',
        stderr: 'inherit',
      },
    )
    const reader = (s3.stdout as ReadableStream<Uint8Array>).getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    const port = Number(first.match(/port (\d+)/)?.[1])
    if (!port) throw new Error(`the S3 server did not start: ${first}`)
    const example = Object.fromEntries(
      read('deploy/pgbackrest/repo2.env.example')
        .split('\n')
        .filter((l) => /^PGBACKREST_REPO2_\w+=/.test(l))
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    )
    return {
      ...example,
      PGBACKREST_REPO2_S3_BUCKET: 'ytempire-backups',
      PGBACKREST_REPO2_S3_ENDPOINT: '127.0.0.1',
      PGBACKREST_REPO2_S3_REGION: 'us-east-1',
      PGBACKREST_REPO2_S3_KEY: 'S3RVER',
      PGBACKREST_REPO2_S3_KEY_SECRET: 'S3RVER',
      PGBACKREST_REPO2_S3_URI_STYLE: 'path',
      PGBACKREST_REPO2_CIPHER_PASS: crypto.randomUUID(),
      // The local server's port and self-signed certificate.
      PGBACKREST_REPO2_STORAGE_PORT: String(port),
      PGBACKREST_REPO2_STORAGE_VERIFY_TLS: 'n',
    }
  }

  beforeAll(async () => {
    dir = workDir('drill')
    env = {
      PGBACKREST_REPO1_PATH: ownedDir(join(dir, 'repo')),
      PGBACKREST_REPO1_CIPHER_PASS: crypto.randomUUID(),
      PGBACKREST_LOG_PATH: ownedDir(join(dir, 'log')),
      PGBACKREST_LOCK_PATH: ownedDir(join(dir, 'lock')),
      PGBACKREST_SPOOL_PATH: ownedDir(join(dir, 'spool')),
      PGBACKREST_PG1_PATH: join(dir, 'pg'),
      PGBACKREST_PG1_USER: 'postgres',
      PGBACKREST_PG1_DATABASE: 'postgres',
      PGBACKREST_LOG_LEVEL_CONSOLE: 'warn',
      PGBACKREST_PROCESS_MAX: '1',
    }
    Object.assign(env, await offSiteRepo())
    cluster = await PrivateCluster.create(dir, 'pg', { env })
    env.PGBACKREST_PG1_PORT = String(cluster.port)
    env.PGBACKREST_PG1_SOCKET_PATH = cluster.socketDir
    // The same archiving set-up as docker-compose.yml, with a shorter archive_timeout.
    cluster.configure({
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: `'pgbackrest --config=${CONF} --stanza=${STANZA} archive-push %p'`,
      archive_timeout: String(DRILL_ARCHIVE_TIMEOUT_S),
    })
    cluster.start()
    operator('backup', ['init'])
  }, 120_000)

  afterAll(() => {
    cluster?.stop('immediate')
    s3?.kill('SIGTERM')
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('back up, write more, lose the cluster, restore to the latest archived state', async () => {
    const sql = cluster.client()
    await sql`create table drill (id serial primary key, batch text not null, at timestamptz not null default clock_timestamp())`
    const insert = async (batch: string, n: number) =>
      (await sql`insert into drill (batch) select ${batch} from generate_series(1, ${n}) returning id`).map((r) => r.id as number)
    rows.seed = await insert('seed', 500)
    operator('backup', ['full'])
    operator('backup', ['full', '--repo', '2'])
    // pgBackRest records a backup's stop time in whole seconds and picks the set for a time target by
    // it: the target must fall in a later second than the backup's end.
    const [full] = (await readInfo(target())).backups
    while ((await sql`select extract(epoch from clock_timestamp())::float8 as now`)[0]!.now < full!.stop + 1) await Bun.sleep(50)

    rows.beforeTarget = await insert('before-target', 200)
    const [t] = await sql`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as t`
    targetTime = t!.t
    rows.afterTarget = await insert('after-target', 200)
    operator('backup', ['diff'])

    // Live traffic until the crash: one small transaction every 100 ms.
    for (let i = 0; i < 30; i++) {
      const [r] = await sql`insert into drill (batch) values ('trickle') returning id, extract(epoch from at)::float8 as at`
      rows.trickle.push({ id: r!.id, at: r!.at })
      await Bun.sleep(100)
    }
    await sql.end()
    crashedAt = Date.now() / 1000
    cluster.lose()
    expect(existsSync(cluster.dataDir)).toBe(false)

    const started = performance.now()
    operator('restore', ['--yes'])
    const restoredS = (performance.now() - started) / 1000
    cluster.start()
    await cluster.waitPrimary()
    const upS = (performance.now() - started) / 1000

    const back = cluster.client()
    restoredIds = (await back`select id from drill order by id`).map((r) => r.id as number)
    const ids = new Set(restoredIds)
    await back.end()
    // Every row written before the last archived segment is back, untouched.
    for (const id of [...rows.seed, ...rows.beforeTarget, ...rows.afterTarget]) expect(ids.has(id)).toBe(true)
    // Of the traffic at the moment of the crash, a prefix survives: nothing out of order, nothing invented.
    const survived = rows.trickle.filter((r) => ids.has(r.id))
    expect(rows.trickle.slice(0, survived.length)).toEqual(survived)
    expect(ids.size).toBe(rows.seed.length + rows.beforeTarget.length + rows.afterTarget.length + survived.length)

    const lastKept = survived.at(-1)?.at ?? rows.trickle[0]!.at
    const lostRows = rows.trickle.length - survived.length
    console.log(
      `[drill] restore to latest: pgbackrest restore ${restoredS.toFixed(1)} s, writable again after ${upS.toFixed(1)} s (RTO target < 4 h)\n` +
        `[drill] data lost: ${lostRows} of ${rows.trickle.length} rows written in the last ${(crashedAt - rows.trickle[0]!.at).toFixed(1)} s, ` +
        `i.e. the last ${(crashedAt - lastKept).toFixed(1)} s before the crash (archive_timeout ${DRILL_ARCHIVE_TIMEOUT_S} s here, 60 s in compose; RPO target < 1 h)`,
    )
  }, 120_000)

  test('the off-site repository (S3) restores the same state on its own', async () => {
    cluster.lose()
    // As if the local repository were gone too: backup files and WAL can only come from S3.
    const repo1 = env.PGBACKREST_REPO1_PATH!
    renameSync(repo1, `${repo1}.away`)
    let upS: number
    try {
      const started = performance.now()
      operator('restore', ['--yes', '--repo', '2'])
      cluster.start()
      await cluster.waitPrimary()
      upS = (performance.now() - started) / 1000
      const sql = cluster.client()
      expect((await sql`select id from drill order by id`).map((r) => r.id as number)).toEqual(restoredIds)
      await sql.end()
    } finally {
      renameSync(`${repo1}.away`, repo1)
    }
    console.log(
      `[drill] restore to latest from repo 2 (S3, encrypted): writable again after ${upS.toFixed(1)} s, ${restoredIds.length} rows, the same as from repo 1`,
    )
  }, 120_000)

  test('restore to a chosen time: every row before it, none after', async () => {
    expect(targetTime).not.toBe('')
    cluster.lose()
    const started = performance.now()
    operator('restore', ['--yes', '--to', targetTime])
    cluster.start()
    await cluster.waitPrimary()
    const upS = (performance.now() - started) / 1000

    const sql = cluster.client()
    const got = (await sql`select id from drill order by id`).map((r) => r.id as number)
    // Still writable after recovery promoted it.
    await sql`insert into drill (batch) values ('after-restore')`
    await sql.end()
    expect(got).toEqual([...rows.seed, ...rows.beforeTarget])
    console.log(
      `[drill] point-in-time restore to ${targetTime}: writable again after ${upS.toFixed(1)} s, ${got.length} rows, none after the target`,
    )
  }, 120_000)

  test('the repository is encrypted, and the scheduler reports it for Prometheus', async () => {
    const info = await readInfo(target())
    expect(info.backups.map((b) => [b.repo, b.type])).toEqual([
      [1, 'full'],
      [2, 'full'],
      [1, 'diff'],
    ])
    // Every repository file is OpenSSL-format ciphertext, and a wrong passphrase reads nothing.
    const backupInfo = readFileSync(join(env.PGBACKREST_REPO1_PATH!, 'backup', STANZA, 'backup.info'))
    expect(backupInfo.subarray(0, 8).toString('latin1')).toBe('Salted__')
    const locked = Bun.spawnSync(asPostgres(['pgbackrest', `--config=${CONF}`, `--stanza=${STANZA}`, 'info']), {
      env: { ...process.env, ...env, PGBACKREST_REPO1_CIPHER_PASS: 'wrong', PGBACKREST_REPO2_CIPHER_PASS: 'wrong' },
      stdout: 'pipe',
    })
    const seen = locked.stdout.toString()
    expect(seen).toContain('error')
    for (const b of info.backups) expect(seen).not.toContain(b.label)

    const metricsDir = ownedDir(join(dir, 'textfile'))
    operator('backup', ['schedule', '--once'], { BACKUP_METRICS_DIR: metricsDir })
    const text = readFileSync(join(metricsDir, 'ytempire_backup.prom'), 'utf8')
    const full = info.backups.find((b) => b.type === 'full')!
    expect(text).toContain(`ytempire_backup_last_success_timestamp_seconds{repo="1",type="full"} ${full.stop}`)
    expect(text).toContain('ytempire_backup_schedule_last_run_success 1')
    const lint = Bun.spawnSync(['promtool', 'check', 'metrics'], { stdin: new TextEncoder().encode(text), stdout: 'pipe', stderr: 'pipe' })
    expect(lint.stderr.toString() + lint.stdout.toString()).toBe('')
  }, 120_000)

  test('retention expires, through pgBackRest, the fulls the calendar tiers drop (with their differentials)', async () => {
    operator('backup', ['full'])
    const before = await readInfo(target())
    expect(before.backups.filter((b) => b.repo === 1 && b.type === 'full')).toHaveLength(2)
    // Both fulls are from today: a policy of one daily keeps only the newer.
    operator('backup', ['prune'], { BACKUP_KEEP_DAILY: '1', BACKUP_KEEP_WEEKLY: '0', BACKUP_KEEP_MONTHLY: '0' })
    const after = await readInfo(target())
    const newest = before.backups.filter((b) => b.repo === 1 && b.type === 'full').at(-1)!
    expect(after.backups.filter((b) => b.repo === 1).map((b) => b.label)).toEqual([newest.label])
    // Repo 2 holds one full: the policy keeps it.
    expect(after.backups.filter((b) => b.repo === 2)).toHaveLength(1)
  }, 120_000)
})

describe('backup policy', () => {
  const at = (iso: string) => Date.parse(iso) / 1000
  const full = (iso: string, repo = 1) => ({
    label: `${iso.replace(/[-:]/g, '').slice(0, 15)}F`,
    type: 'full' as const,
    repo,
    start: at(iso) - 60,
    stop: at(iso),
    repoSize: 1,
    full: '',
  })

  test('a full is due once a day after 02:00 UTC, a differential 6 h after the newest backup', () => {
    const backups = [full('2026-11-24T02:01:00Z')]
    expect(dueBackup([], 1, new Date('2026-11-24T01:00:00Z'), DEFAULT_POLICY)).toBe('full')
    expect(dueBackup(backups, 1, new Date('2026-11-24T07:00:00Z'), DEFAULT_POLICY)).toBeUndefined()
    expect(dueBackup(backups, 1, new Date('2026-11-24T08:01:00Z'), DEFAULT_POLICY)).toBe('diff')
    const withDiff = [...backups, { ...full('2026-11-24T08:01:00Z'), type: 'diff' as const }]
    expect(dueBackup(withDiff, 1, new Date('2026-11-24T09:00:00Z'), DEFAULT_POLICY)).toBeUndefined()
    expect(dueBackup(withDiff, 1, new Date('2026-11-25T01:59:00Z'), DEFAULT_POLICY)).toBe('diff')
    expect(dueBackup(withDiff, 1, new Date('2026-11-25T02:00:00Z'), DEFAULT_POLICY)).toBe('full')
    // Each repository on its own: repo 2 has nothing yet.
    expect(dueBackup(withDiff, 2, new Date('2026-11-24T09:00:00Z'), DEFAULT_POLICY)).toBe('full')
  })

  test('ISO weeks start on Monday and belong to the year of their Thursday', () => {
    expect(isoWeek(at('2026-01-01T12:00:00Z'))).toBe('2026-W01')
    expect(isoWeek(at('2024-12-30T12:00:00Z'))).toBe('2025-W01')
    expect(isoWeek(at('2021-01-03T12:00:00Z'))).toBe('2020-W53')
    expect(isoWeek(at('2026-11-23T00:00:00Z'))).toBe('2026-W48')
    expect(isoWeek(at('2026-11-22T23:59:59Z'))).toBe('2026-W47')
  })

  test('a year of daily fulls keeps 7 daily, 4 weekly, 12 monthly', () => {
    const fulls = Array.from({ length: 400 }, (_, i) => full(new Date(Date.UTC(2025, 9, 1, 2, 5) + i * 86400000).toISOString()))
    const keep = fullsToKeep(fulls, 1, DEFAULT_POLICY.keep)
    const kept = fulls.filter((b) => keep.has(b.label)).map((b) => new Date(b.stop * 1000).toISOString().slice(0, 10))
    // Newest: 2026-11-04. Daily: Oct 29..Nov 4. Weekly (an ISO week ends on Sunday): Nov 4's week,
    // then Nov 1, Oct 25, Oct 18. Monthly: Nov 4, then the last day of each month back to Dec 2025.
    expect(kept).toEqual([
      '2025-12-31',
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
      '2026-09-30',
      '2026-10-18',
      '2026-10-25',
      '2026-10-29',
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
    ])
    expect(keep.size).toBeLessThanOrEqual(DEFAULT_POLICY.keep.daily + DEFAULT_POLICY.keep.weekly + DEFAULT_POLICY.keep.monthly)
    // Another repository's fulls are judged on their own.
    expect(fullsToKeep(fulls, 2, DEFAULT_POLICY.keep).size).toBe(0)
  })

  test('pgbackrest info JSON becomes backups, and the textfile names match docs/metrics.md', () => {
    const info = parseInfo(
      JSON.stringify([
        {
          name: 'ytempire',
          repo: [{ key: 1, status: { code: 0, message: 'ok' } }],
          archive: [{ database: { id: 1, 'repo-key': 1 }, min: '000000010000000000000001', max: '000000010000000000000009' }],
          backup: [
            {
              label: '20261124-020100F',
              type: 'full',
              error: false,
              database: { id: 1, 'repo-key': 1 },
              timestamp: { start: 1795485660, stop: 1795485700 },
              info: { repository: { delta: 4096, size: 4096 } },
            },
            {
              label: '20261124-020100F_20261124-080100D',
              type: 'diff',
              error: false,
              database: { id: 1, 'repo-key': 1 },
              timestamp: { start: 1795507260, stop: 1795507270 },
              info: { repository: { delta: 512, size: 4608 } },
            },
          ],
        },
      ]),
      'ytempire',
    )
    expect(info.backups.map((b) => [b.type, b.full, b.repoSize])).toEqual([
      ['full', '20261124-020100F', 4096],
      ['diff', '20261124-020100F', 512],
    ])
    const text = backupMetrics(info, { at: 1795507300, ok: true })
    const names = new Set([...text.matchAll(/^(ytempire_\w+)/gm)].map((m) => m[1]))
    const documented = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8')
    for (const name of names) expect(documented).toContain(`\`${name}\``)
    expect(text).toContain('ytempire_backup_last_success_timestamp_seconds{repo="1",type="diff"} 1795507270')
    expect(text).toContain('ytempire_backup_sets{repo="1",type="full"} 1')
  })
})
