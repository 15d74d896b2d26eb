// `bun run restore`: brings PostgreSQL back from pgBackRest (runbook: docs/operations.md).
//   bun run restore                                   to the end of the archived WAL (the latest state)
//   bun run restore --to "2026-11-24 10:30:00+00"     to a point in time (give the UTC offset)
//   bun run restore --set 20261101-020012F            one backup as it was when it ended (a weekly/monthly)
// Options: --repo N (2 when the local repository is lost), --stanza NAME, --config FILE, --yes (no
// question asked), --local / --compose. Locally, stop PostgreSQL first and start it afterwards; with
// docker compose this script stops the writers and PostgreSQL, restores, and starts them again.
import { createInterface } from 'node:readline/promises'
import { parseArgs, pgbackrestOk, run, runnerFor, targetFrom } from './pgbackrest'

const argv = process.argv.slice(2)
const { options } = parseArgs(argv, ['local', 'compose', 'yes'])
const target = targetFrom(options, process.env)
const to = typeof options.to === 'string' ? options.to : undefined
const set = typeof options.set === 'string' ? options.set : undefined
if (to && set) fail('give --to or --set, not both')
// PostgreSQL's timestamptz input, as pgBackRest also parses it to choose the backup set.
const TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/
if (to && !TIME.test(to.trim())) fail(`--to "${to}" is not a time (e.g. "2026-11-24 10:30:00+00")`)
if (to && !/(Z|[+-]\d{2}(:?\d{2})?)$/.test(to.trim()))
  console.warn(`--to "${to}" has no UTC offset: PostgreSQL reads it in the server's time zone`)

// Recovery stops at the target and opens the database for writes (promote) instead of pausing.
const restoreArgs = [
  'restore',
  '--delta',
  ...(to ? ['--type=time', `--target=${to}`, '--target-action=promote'] : []),
  ...(set ? [`--set=${set}`, '--type=immediate', '--target-action=promote'] : []),
  ...(typeof options.repo === 'string' ? [`--repo=${options.repo}`] : []),
]
const what = to ? `to ${to}` : set ? `to backup ${set}` : 'to the latest archived state'

if (!options.yes) await confirm()

if (runnerFor(options) === 'compose') {
  const started = performance.now()
  // Writers first, so nothing writes into a database that is about to be replaced.
  await run(['docker', 'compose', 'stop', 'core', 'render', 'pgbackrest', 'postgres'])
  await run(['docker', 'compose', 'run', '--rm', '--no-deps', 'pgbackrest', 'bun', 'scripts/restore.ts', ...argv, '--local', '--yes'])
  // PostgreSQL replays WAL up to the target before it reports healthy.
  await run(['docker', 'compose', 'up', '-d', '--wait', 'postgres'])
  await run(['docker', 'compose', 'up', '-d'])
  console.log(`restored ${what} and restarted in ${((performance.now() - started) / 1000).toFixed(1)} s`)
} else {
  const started = performance.now()
  await pgbackrestOk(target, restoreArgs, { inherit: true })
  console.log(`restored ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  console.log('now start PostgreSQL: it replays the archived WAL up to the target, then opens for writes')
}

async function confirm() {
  if (!process.stdin.isTTY) fail('this replaces the database: pass --yes to confirm')
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  const answer = await rl.question(`Restore stanza "${target.stanza}" ${what}? Its current data is replaced. Type the stanza name: `)
  rl.close()
  if (answer.trim() !== target.stanza) fail('not confirmed')
}

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}
