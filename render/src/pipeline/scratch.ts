// Every worker process keeps its temp files in a scratch directory of its own, with an owner file
// naming the process (host, pid, the kernel's start time of that pid). A SIGKILLed worker cleans up
// nothing, and its ffmpeg keeps rendering, orphaned, at full CPU. So the next worker to start on the
// host looks at every scratch directory whose owner is gone: it stops the processes still working in
// it (every tool we run names its files there on its command line) and removes it.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'

const OWNER_FILE = 'owner.json'
const PREFIX = 'worker-'

interface Owner {
  host: string
  pid: number
  /** `/proc/<pid>/stat` field 22 (start time in clock ticks since boot): tells a reused pid apart; null without /proc. */
  started: string | null
}

export interface Scratch {
  /** This worker's directory (absolute). */
  readonly dir: string
  /** A fresh directory for one run of a stage, inside this worker's; the caller removes it. */
  stageDir(stage: string): Promise<string>
  /** Removes this worker's directory (a graceful stop). */
  close(): Promise<void>
}

/** What a start reclaimed from workers that died without cleaning up. */
export interface Reclaimed {
  dirs: number
  bytes: number
  /** processes still working in those directories, stopped */
  killed: number
}

async function startTicks(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null) : null
}

async function isAlive(owner: Owner): Promise<boolean> {
  if (owner.started !== null) return (await startTicks(owner.pid)) === owner.started
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function sizeOf(dir: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return bytes
}

/** SIGKILLs every process (but this one) whose command line names a path inside `dir`. Linux only: elsewhere 0. */
async function killWorkingIn(dir: string): Promise<number> {
  const pids = await readdir('/proc').catch(() => [] as string[])
  let killed = 0
  for (const pid of pids) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (!cmdline.split('\0').some((arg) => arg.includes(`${dir}/`))) continue
    try {
      process.kill(Number(pid), 'SIGKILL')
      killed++
    } catch {}
  }
  return killed
}

/**
 * Reclaims the scratch of dead workers of this host under `root`, then makes this worker's own
 * directory. Directories of live workers (other processes, or other pipelines of this one) and of
 * other hosts sharing the volume are left alone.
 */
export async function openScratch(root: string, log: Logger): Promise<{ scratch: Scratch; reclaimed: Reclaimed }> {
  const base = resolve(root)
  await mkdir(base, { recursive: true })
  const host = hostname()
  const reclaimed: Reclaimed = { dirs: 0, bytes: 0, killed: 0 }
  for (const name of await readdir(base)) {
    if (!name.startsWith(PREFIX)) continue
    const dir = join(base, name)
    const owner = await readFile(join(dir, OWNER_FILE), 'utf8').then(
      (raw) => JSON.parse(raw) as Owner,
      () => undefined,
    )
    // A directory without its owner file is one being made right now, or garbage of an unknown writer: left alone.
    if (!owner || owner.host !== host || (await isAlive(owner))) continue
    reclaimed.killed += await killWorkingIn(dir)
    reclaimed.bytes += await sizeOf(dir)
    await rm(dir, { recursive: true, force: true })
    reclaimed.dirs++
  }
  if (reclaimed.dirs) log.warn(reclaimed, 'reclaimed the scratch of workers that died without cleaning up')

  const dir = await mkdtemp(join(base, `${PREFIX}${process.pid}-`))
  const owner: Owner = { host, pid: process.pid, started: await startTicks(process.pid) }
  await writeFile(join(dir, OWNER_FILE), JSON.stringify(owner))
  return {
    reclaimed,
    scratch: {
      dir,
      stageDir: (stage) => mkdtemp(join(dir, `${stage}-`)),
      close: () => rm(dir, { recursive: true, force: true }),
    },
  }
}
