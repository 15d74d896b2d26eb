// Workers die: deploys, spot instances, the OOM killer. Here worker processes are SIGKILLed again and
// again while a dozen videos go through them. A stage whose worker died is re-run like any failed
// attempt, within its attempts, so no video is lost; each replacement worker stops the ffmpeg its dead
// predecessor left running and removes its scratch.
import { afterAll, expect, test } from 'bun:test'
import { readdir, readFile } from 'node:fs/promises'
import { QUEUES, type Stage, type VideoScript } from '@ytempire/contract'
import { dispatchVideo, stageJobId } from '@ytempire/contract/queue'
import { waitUntil } from '@ytempire/test-support'
import { createTestEnv, EventLog, videoJob } from './helpers'

const VIDEOS = 12
const KILLS = 20
const WORKERS = 3
/** Each stage may run this often (the default is 3): room for a storm of 20 on a machine slow enough to stretch it. */
const ATTEMPTS = 5

const t = await createTestEnv()
const events = new EventLog(t.prefix)

afterAll(async () => {
  await t.stopWorkerProcesses()
  await events.close()
  await t.cleanup()
})

// Locks long enough that a live worker on a loaded machine keeps its jobs (a false stall would spend an
// attempt the storm counts on), short enough that a dead one's jobs are taken over within seconds.
const startWorker = () =>
  t.startWorkerProcess({
    RENDER_SHUTDOWN_GRACE_S: '5',
    STAGE_CONCURRENCY: '2',
    RENDER_LOCK_DURATION_MS: '6000',
    RENDER_STALLED_INTERVAL_MS: '2000',
  })

/** Processes (not this one) whose command line names a path in the test's scratch root. */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmd.includes(`${dir}/`)) found.push(`${pid} ${cmd.split('\0')[0]}`)
  }
  return found
}

// Deterministic pacing: the same gaps between kills on every run.
let seed = 13
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

const SCRIPT: VideoScript = {
  title: 'Four facts about octopuses',
  description: 'Short.',
  tags: ['octopus'],
  scenes: [
    { narration: 'An octopus has three hearts, and two of them stop when it swims.', keywords: ['octopus'] },
    { narration: 'Its blood is blue, because it carries copper instead of iron.', keywords: ['blue'] },
    { narration: 'Each arm can taste what it touches, and decide on its own.', keywords: ['arm'] },
    { narration: 'Some octopuses use coconut shells as portable shelters.', keywords: ['shell'] },
  ],
}

test(`${KILLS} SIGKILLs over ${VIDEOS} videos: no video lost, no orphaned ffmpeg, no scratch left`, async () => {
  const live = Array.from({ length: WORKERS }, startWorker)
  const jobs = Array.from({ length: VIDEOS }, () => videoJob({ script: SCRIPT }))
  for (const job of jobs) await dispatchVideo(t.redis, job, { prefix: t.prefix, attempts: ATTEMPTS })

  // Which worker runs which stage, from the reports: the latest start of each (video, stage) not yet followed by its end.
  const holding = (pid: number): string[] => {
    const open = new Map<string, number>()
    for (const e of events.events) {
      const key = 'stage' in e ? `${e.videoId}.${e.stage}` : ''
      if (e.type === 'stage.started') open.set(key, Number(e.worker.split(':').at(-1)))
      if (e.type === 'stage.completed' || e.type === 'stage.failed') open.delete(key)
    }
    return [...open].filter(([, p]) => p === pid).map(([k]) => k)
  }
  // What BullMQ counts for a stage's job: failed attempts and deaths of its workers (stalls).
  const spentRuns = async (key: string) => {
    const [videoId, stage] = key.split('.') as [string, Stage]
    const [atm, stc] = await t.redis.hmget(`${t.prefix}:${QUEUES[stage]}:${stageJobId(videoId, stage)}`, 'atm', 'stc')
    return Number(atm ?? 0) + Number(stc ?? 0)
  }
  const finished = () => jobs.filter((j) => events.of(j.videoId).some((e) => e.type === 'video.completed' || e.type === 'video.failed'))
  // A stage may die `attempts - 1` times and still finish: kills beyond that would be a loss by design.
  // BullMQ counts a death only when it notices the stall, so the deaths this test caused count at once.
  const deaths = new Map<string, number>()
  const runsSpent = async (key: string) => Math.max(await spentRuns(key), deaths.get(key) ?? 0)
  let kills = 0
  while (kills < KILLS && finished().length < VIDEOS) {
    await Bun.sleep(700 + random() * 1300)
    let victim: (typeof live)[number] | undefined
    for (const p of live) {
      const held = holding(p.pid)
      const spent = await Promise.all(held.map(runsSpent))
      if (held.length > 0 && spent.every((n) => n < ATTEMPTS - 1)) {
        victim = p
        break
      }
    }
    if (!victim) continue
    for (const k of holding(victim.pid)) deaths.set(k, (deaths.get(k) ?? 0) + 1)
    victim.kill('SIGKILL')
    await victim.exited
    kills++
    live.splice(live.indexOf(victim), 1, startWorker())
  }

  await waitUntil(() => finished().length === VIDEOS, { what: `all ${VIDEOS} videos finished`, timeoutMs: 240_000, intervalMs: 200 })
  const lost = jobs.filter((j) => !events.of(j.videoId).some((e) => e.type === 'video.completed'))
  const reruns = [...deaths.values()].reduce((a, b) => a + b, 0)
  console.log(`kill storm: ${kills} SIGKILLs, ${reruns} stage runs killed, ${VIDEOS - lost.length}/${VIDEOS} videos completed`)
  for (const j of lost)
    console.log(
      `lost ${j.videoId}:`,
      events
        .of(j.videoId)
        .map((e) => `${e.type}${'stage' in e ? `:${e.stage}` : ''}${e.type === 'stage.started' ? `#${e.attempt}@${e.worker}` : ''}`)
        .join(' '),
    )
  expect(kills).toBe(KILLS)
  expect(lost.map((j) => events.of(j.videoId).find((e) => e.type === 'video.failed'))).toEqual([])

  // A stage run again after its worker died counts that death as an attempt: each start of a stage has
  // a higher attempt number than the one before. (Judged from the starts, not from `deaths`: a kill just
  // after a stage's last report, before that report arrived here, kills no run of it.)
  const rerun = [...deaths.keys()].filter((key) => {
    const [videoId, stage] = key.split('.')
    const attempts = events.of(videoId!).flatMap((e) => (e.type === 'stage.started' && e.stage === stage ? [e.attempt] : []))
    expect(attempts).toEqual([...attempts].sort((a, b) => a - b))
    expect(new Set(attempts).size).toBe(attempts.length)
    return attempts.length > 1
  })
  expect(rerun.length).toBeGreaterThan(KILLS / 2)

  // Graceful stops clean up their own scratch; the dead ones' was reclaimed by their replacements.
  for (const p of live) p.kill('SIGTERM')
  await Promise.all(live.map((p) => p.exited))
  expect(await processesIn(t.tmpDir)).toEqual([])
  expect(await readdir(t.tmpDir)).toEqual([])
}, 420_000)
