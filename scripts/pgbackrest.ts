// What `bun run backup` and `bun run restore` share: how pgBackRest is called, what its repository
// holds, when a backup is due, which full backups the 7 daily / 4 weekly / 12 monthly policy keeps,
// and the figures Prometheus reads. Node built-ins only: the pgbackrest image runs this file as is.

export type BackupType = 'full' | 'diff' | 'incr'

/** The schedule and retention (seed: full daily at 02:00, another backup every 6 h, 7/4/12). */
export interface BackupPolicy {
  /** UTC hour and minute of the daily full backup. */
  fullAt: { hour: number; minute: number }
  /** A differential is due when the newest backup of any type is older than this. */
  diffEveryH: number
  keep: { daily: number; weekly: number; monthly: number }
}

export const DEFAULT_POLICY: BackupPolicy = { fullAt: { hour: 2, minute: 0 }, diffEveryH: 6, keep: { daily: 7, weekly: 4, monthly: 12 } }

export function policyFromEnv(env: Record<string, string | undefined>): BackupPolicy {
  const at = env.BACKUP_FULL_AT ?? '02:00'
  const m = at.match(/^(\d{1,2}):(\d{2})$/)
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`BACKUP_FULL_AT must be HH:MM (UTC), got "${at}"`)
  const int = (name: string, fallback: number) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
    return n
  }
  return {
    fullAt: { hour: Number(m[1]), minute: Number(m[2]) },
    diffEveryH: int('BACKUP_DIFF_EVERY_HOURS', DEFAULT_POLICY.diffEveryH),
    keep: {
      daily: int('BACKUP_KEEP_DAILY', DEFAULT_POLICY.keep.daily),
      weekly: int('BACKUP_KEEP_WEEKLY', DEFAULT_POLICY.keep.weekly),
      monthly: int('BACKUP_KEEP_MONTHLY', DEFAULT_POLICY.keep.monthly),
    },
  }
}

/** Where pgBackRest's configuration is and which stanza (cluster) to act on. */
export interface Target {
  config?: string
  stanza: string
  /** PGBACKREST_* overrides (paths, passphrases); pgBackRest reads them over the config file. */
  env?: Record<string, string>
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs pgbackrest. As root it runs as the `postgres` user, which owns the cluster's files: a restore
 * done as root would leave files PostgreSQL cannot open.
 */
export async function pgbackrest(target: Target, args: string[], opts: { inherit?: boolean } = {}): Promise<RunResult> {
  const cmd = [
    ...(process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []),
    'pgbackrest',
    ...(target.config ? [`--config=${target.config}`] : []),
    `--stanza=${target.stanza}`,
    ...args,
  ]
  const proc = Bun.spawn(cmd, {
    env: { ...process.env, ...target.env },
    stdout: opts.inherit ? 'inherit' : 'pipe',
    stderr: opts.inherit ? 'inherit' : 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    opts.inherit ? '' : new Response(proc.stdout as ReadableStream).text(),
    opts.inherit ? '' : new Response(proc.stderr as ReadableStream).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}

export async function pgbackrestOk(target: Target, args: string[], opts: { inherit?: boolean } = {}): Promise<string> {
  const r = await pgbackrest(target, args, opts)
  if (r.code !== 0) throw new Error(`pgbackrest ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`)
  return r.stdout
}

export interface Backup {
  label: string
  type: BackupType
  repo: number
  /** Seconds since the epoch. */
  start: number
  stop: number
  /** Bytes in the repository (compressed, encrypted). */
  repoSize: number
  /** The full backup a differential or incremental depends on (itself for a full). */
  full: string
}

export interface RepoInfo {
  stanza: string
  /** pgBackRest's stanza status: 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, ... */
  status: { code: number; message: string }
  repos: { key: number; status: string }[]
  backups: Backup[]
  /** The oldest and newest WAL segment archived, per repository. */
  archive: { repo: number; min: string; max: string }[]
}

/** The part of `pgbackrest info --output=json` read here (pgBackRest 2.45). */
interface StanzaJson {
  name: string
  status?: { code: number; message: string }
  repo?: { key: number; status?: { message?: string } }[]
  archive?: { database?: { 'repo-key'?: number }; min: string; max: string }[]
  backup?: {
    label: string
    type: BackupType
    error?: boolean
    database?: { 'repo-key'?: number }
    timestamp: { start: number; stop: number }
    info?: { repository?: { delta?: number; size?: number } }
  }[]
}

/** Parses `pgbackrest info --output=json` for one stanza. */
export function parseInfo(json: string, stanza: string): RepoInfo {
  const s = (JSON.parse(json) as StanzaJson[]).find((x) => x.name === stanza)
  if (!s) throw new Error(`pgbackrest info has no stanza "${stanza}"`)
  return {
    stanza,
    status: { code: s.status?.code ?? 99, message: s.status?.message ?? 'unknown' },
    repos: (s.repo ?? []).map((r) => ({ key: r.key, status: r.status?.message ?? 'unknown' })),
    backups: (s.backup ?? [])
      .filter((b) => !b.error)
      .map((b) => ({
        label: b.label,
        type: b.type,
        repo: b.database?.['repo-key'] ?? 1,
        start: b.timestamp.start,
        stop: b.timestamp.stop,
        // A differential's own bytes (delta), not the full it builds on.
        repoSize: b.info?.repository?.delta ?? b.info?.repository?.size ?? 0,
        // Labels are "<full>F", "<full>F_<time>D" or "<full>F_<time>I": the full's label is the prefix.
        full: b.label.split('_')[0]!,
      })),
    archive: (s.archive ?? []).map((a) => ({ repo: a.database?.['repo-key'] ?? 1, min: a.min, max: a.max })),
  }
}

export async function readInfo(target: Target): Promise<RepoInfo> {
  return parseInfo(await pgbackrestOk(target, ['info', '--output=json']), target.stanza)
}

/** The most recent daily full-backup moment at or before `now`. */
function lastFullSlot(now: Date, policy: BackupPolicy): number {
  const slot = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), policy.fullAt.hour, policy.fullAt.minute) / 1000
  return slot <= now.getTime() / 1000 ? slot : slot - 86400
}

/**
 * What backup one repository needs now, judged from what it holds (so a restarted scheduler, or a
 * backup taken by hand, counts): a full when none started since the last 02:00, else a differential
 * when the newest backup is older than 6 h.
 */
export function dueBackup(backups: Backup[], repo: number, now: Date, policy: BackupPolicy): BackupType | undefined {
  const mine = backups.filter((b) => b.repo === repo)
  const newestFull = Math.max(-Infinity, ...mine.filter((b) => b.type === 'full').map((b) => b.start))
  if (newestFull < lastFullSlot(now, policy)) return 'full'
  const newest = Math.max(...mine.map((b) => b.start))
  return newest <= now.getTime() / 1000 - policy.diffEveryH * 3600 ? 'diff' : undefined
}

const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10)
const month = (t: number) => new Date(t * 1000).toISOString().slice(0, 7)
/** ISO 8601 week ("2026-W48"): weeks start on Monday; the week belongs to the year of its Thursday. */
export function isoWeek(t: number): string {
  const d = new Date(t * 1000)
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - (d.getUTCDay() || 7)))
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((thursday.getTime() - yearStart) / 86400000 + 1) / 7)
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/**
 * Grandfather-father-son over one repository's full backups: the newest full of each of the last
 * `daily` days, `weekly` ISO weeks and `monthly` months that have one (the way restic's and borg's
 * --keep-daily/weekly/monthly count). Returns the labels to keep; every other full may be expired.
 */
export function fullsToKeep(backups: Backup[], repo: number, keep: BackupPolicy['keep']): Set<string> {
  const fulls = backups.filter((b) => b.repo === repo && b.type === 'full').sort((a, b) => b.stop - a.stop)
  const kept = new Set<string>()
  for (const [count, period] of [
    [keep.daily, day],
    [keep.weekly, isoWeek],
    [keep.monthly, month],
  ] as const) {
    const seen = new Set<string>()
    for (const b of fulls) {
      if (seen.size >= count) break
      const p = period(b.stop)
      if (seen.has(p)) continue
      seen.add(p)
      kept.add(b.label)
    }
  }
  if (fulls[0]) kept.add(fulls[0].label)
  return kept
}

/** Prometheus text format for node_exporter's textfile collector (names: docs/metrics.md). */
export function backupMetrics(info: RepoInfo, run: { at: number; ok: boolean }): string {
  const lines: string[] = []
  const gauge = (name: string, help: string, rows: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const [labels, value] of rows) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')
      lines.push(`${name}${l ? `{${l}}` : ''} ${value}`)
    }
  }
  const newest = new Map<string, Backup>()
  const counts = new Map<string, number>()
  for (const b of info.backups) {
    const key = `${b.repo}/${b.type}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
    if ((newest.get(key)?.stop ?? -1) < b.stop) newest.set(key, b)
  }
  const rows = (f: (b: Backup) => number) =>
    [...newest.values()].map((b) => [{ repo: String(b.repo), type: b.type }, f(b)] as [Record<string, string>, number])
  gauge(
    'ytempire_backup_last_success_timestamp_seconds',
    'When the newest backup of this type finished',
    rows((b) => b.stop),
  )
  gauge(
    'ytempire_backup_last_duration_seconds',
    'How long the newest backup of this type took',
    rows((b) => b.stop - b.start),
  )
  gauge(
    'ytempire_backup_last_size_bytes',
    'Repository bytes of the newest backup of this type',
    rows((b) => b.repoSize),
  )
  gauge(
    'ytempire_backup_sets',
    'Backups of this type in the repository',
    [...counts].map(([key, n]) => {
      const [repo, type] = key.split('/') as [string, string]
      return [{ repo, type }, n]
    }),
  )
  gauge('ytempire_backup_schedule_last_run_timestamp_seconds', 'When the backup scheduler last ran', [[{}, run.at]])
  gauge('ytempire_backup_schedule_last_run_success', '1 when the last scheduler pass succeeded', [[{}, run.ok ? 1 : 0]])
  return `${lines.join('\n')}\n`
}

/** Reads `--name value` / `--name=value` / `--flag` options and the positional words. */
export function parseArgs(argv: string[], flags: readonly string[]) {
  const options: Record<string, string | true> = {}
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) {
      words.push(a)
      continue
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined]
    if (flags.includes(name)) options[name] = true
    else if (inline !== undefined) options[name] = inline
    else if (argv[i + 1] !== undefined) options[name] = argv[++i]!
    else throw new Error(`--${name} needs a value`)
  }
  return { options, words }
}

/** The stanza and configuration from the command line, else the environment, else the defaults. */
export function targetFrom(options: Record<string, string | true>, env: Record<string, string | undefined>): Target {
  const str = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined)
  return {
    config: str(options.config) ?? (env.PGBACKREST_CONFIG || undefined),
    stanza: str(options.stanza) ?? (env.PGBACKREST_STANZA || 'ytempire'),
  }
}

/**
 * Where pgBackRest runs: on this host when it is installed here (a server, or inside the pgbackrest
 * container), else in the docker compose `pgbackrest` service. --local / --compose decide explicitly.
 */
export function runnerFor(options: Record<string, string | true>): 'local' | 'compose' {
  if (options.local) return 'local'
  if (options.compose) return 'compose'
  if (Bun.which('pgbackrest')) return 'local'
  if (Bun.which('docker')) return 'compose'
  throw new Error(
    'pgbackrest is not installed here and there is no docker to reach the compose service: install pgbackrest (Debian/Ubuntu: apt-get install pgbackrest) or run this where docker compose runs ytempire',
  )
}

export async function run(cmd: string[]): Promise<void> {
  console.log(`$ ${cmd.join(' ')}`)
  const code = await Bun.spawn(cmd, { stdout: 'inherit', stderr: 'inherit', stdin: 'inherit' }).exited
  if (code !== 0) throw new Error(`${cmd[0]} exited with ${code}`)
}
