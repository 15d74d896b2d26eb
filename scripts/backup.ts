// `bun run backup`: pgBackRest for operators (runbook: docs/operations.md, "Backups and restore").
//   bun run backup                 a full backup now (`diff` or `incr` for the others)
//   bun run backup init            create the stanza (once, after PostgreSQL archives WAL) and check it
//   bun run backup info            what the repositories hold
//   bun run backup check           PostgreSQL archives WAL into every repository
//   bun run backup prune           expire the full backups the 7 daily / 4 weekly / 12 monthly policy drops
//   bun run backup schedule        the pgbackrest service's loop: backups when due, retention, metrics
// Options: --repo N, --stanza NAME (default ytempire), --config FILE, --local / --compose, --dry-run.
// Environment: PGBACKREST_* (pgBackRest's own: passphrases, repo 2), BACKUP_FULL_AT (02:00 UTC),
// BACKUP_DIFF_EVERY_HOURS (6), BACKUP_KEEP_DAILY/WEEKLY/MONTHLY (7/4/12), BACKUP_CHECK_EVERY_S (300),
// BACKUP_METRICS_DIR (where the schedule writes ytempire_backup.prom for node_exporter).
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type BackupType,
  backupMetrics,
  dueBackup,
  fullsToKeep,
  parseArgs,
  pgbackrestOk,
  policyFromEnv,
  readInfo,
  run,
  runnerFor,
  type Target,
  targetFrom,
} from './pgbackrest'

const { options, words } = parseArgs(process.argv.slice(2), ['local', 'compose', 'dry-run', 'once'])
const command = words[0] ?? 'full'
const target = targetFrom(options, process.env)
const policy = policyFromEnv(process.env)
const checkEveryS = Number(process.env.BACKUP_CHECK_EVERY_S || 300)
const metricsDir = process.env.BACKUP_METRICS_DIR || undefined
const repoArgs = typeof options.repo === 'string' ? [`--repo=${options.repo}`] : []

if (runnerFor(options) === 'compose') {
  // The pgbackrest service has pgBackRest, the data volume and the repository: run the same command there.
  await run(['docker', 'compose', 'exec', '-T', 'pgbackrest', 'bun', 'scripts/backup.ts', ...process.argv.slice(2), '--local'])
  process.exit(0)
}

switch (command) {
  case 'full':
  case 'diff':
  case 'incr':
    await backup(target, command, repoArgs)
    break
  case 'init':
    await pgbackrestOk(target, ['stanza-create'], { inherit: true })
    await pgbackrestOk(target, ['check'], { inherit: true })
    break
  case 'info':
  case 'check':
    await pgbackrestOk(target, [command, ...repoArgs], { inherit: true })
    break
  case 'prune':
    await prune(target, Boolean(options['dry-run']))
    break
  case 'schedule':
    await schedule(target, Boolean(options.once))
    break
  default:
    console.error(`unknown command "${command}": full | diff | incr | init | info | check | prune | schedule`)
    process.exit(2)
}

async function backup(t: Target, type: BackupType, extra: string[]) {
  const started = performance.now()
  await pgbackrestOk(t, ['backup', `--type=${type}`, ...extra], { inherit: true })
  console.log(`${type} backup done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

/** Expires, per repository, the full backups (with their differentials) the calendar tiers no longer keep. */
async function prune(t: Target, dryRun: boolean) {
  const info = await readInfo(t)
  for (const { key: repo } of info.repos) {
    const keep = fullsToKeep(info.backups, repo, policy.keep)
    for (const b of info.backups.filter((x) => x.repo === repo && x.type === 'full' && !keep.has(x.label))) {
      console.log(`${dryRun ? 'would expire' : 'expiring'} repo${repo} ${b.label} (${new Date(b.stop * 1000).toISOString()})`)
      if (!dryRun) await pgbackrestOk(t, ['expire', `--repo=${repo}`, `--set=${b.label}`])
    }
  }
}

async function schedule(t: Target, once: boolean) {
  process.on('SIGTERM', () => process.exit(0))
  console.log(
    `backup schedule: full daily at ${String(policy.fullAt.hour).padStart(2, '0')}:${String(policy.fullAt.minute).padStart(2, '0')} UTC, ` +
      `differential every ${policy.diffEveryH} h, keep ${policy.keep.daily} daily / ${policy.keep.weekly} weekly / ${policy.keep.monthly} monthly`,
  )
  for (;;) {
    let ok = true
    try {
      let info = await readInfo(t)
      // A new installation: create the stanza (PostgreSQL's archive_command fails until then and
      // keeps the WAL). Only then: stanza-create competes for the lock with archive-push.
      if (info.status.code === 1 || info.status.code === 3) {
        await pgbackrestOk(t, ['stanza-create'])
        info = await readInfo(t)
      }
      for (const { key: repo } of info.repos) {
        const due = dueBackup(info.backups, repo, new Date(), policy)
        if (!due) continue
        console.log(`${new Date().toISOString()} repo${repo}: ${due} backup due`)
        await backup(t, due, [`--repo=${repo}`])
      }
      await prune(t, false)
      info = await readInfo(t)
      if (metricsDir) writeMetrics(metricsDir, backupMetrics(info, { at: Date.now() / 1000, ok }))
    } catch (err) {
      ok = false
      console.error(`${new Date().toISOString()} backup pass failed: ${(err as Error).message}`)
      if (metricsDir) {
        // Keep the repository's figures from the last good read; mark the run failed.
        const info = await readInfo(t).catch(() => undefined)
        writeMetrics(
          metricsDir,
          backupMetrics(info ?? { stanza: t.stanza, status: { code: 99, message: 'unreadable' }, repos: [], backups: [], archive: [] }, {
            at: Date.now() / 1000,
            ok,
          }),
        )
      }
    }
    if (once) process.exit(ok ? 0 : 1)
    await Bun.sleep(checkEveryS * 1000)
  }
}

/** Atomically, so node_exporter never reads half a file. */
function writeMetrics(dir: string, text: string) {
  const file = join(dir, 'ytempire_backup.prom')
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}
