// Run by word-timing.test.ts in a process of its own, with a stub espeak-ng first on its PATH: Bun.spawn
// finds a tool on the PATH its process started with, so the test's own process cannot be pointed at a stub.
// argv: <the stub's folder> <timeout | cancel | cancelled-before>. Prints one JSON line: the weights, or
// the error's name and whether it is the signal's reason.
import { jest } from 'bun:test'
import { existsSync, readFileSync, watch } from 'node:fs'
import { join } from 'node:path'
import { CancelledError } from '../src/errors'
import { phonemeWeights } from '../src/voice/word-timing'

/** word-timing.ts's PHONEME_TIMEOUT_S */
const PHONEME_TIMEOUT_MS = 30_000

const [dir, mode] = process.argv.slice(2) as [string, 'timeout' | 'cancel' | 'cancelled-before']
const pidFile = join(dir, 'pid')
// The stub writes its pid when it runs; a file watch sees it without a timer (the fake clock stops those).
const stubRunning = new Promise<void>((resolve) => {
  const watcher = watch(dir, () => {
    if (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') return
    watcher.close()
    resolve()
  })
})

const abort = new AbortController()
const reason = new CancelledError('video-1')
// The limit's own timer, on a clock the child moves: 30 s pass without waiting 30 s.
if (mode === 'timeout') jest.useFakeTimers()
if (mode === 'cancelled-before') abort.abort(reason)
const weighing = phonemeWeights(['Honey', 'never', 'spoils.'], 'en', abort.signal).then(
  (weights) => ({ weights }),
  (err: Error) => ({ error: err.name, isReason: err === reason }),
)
if (mode === 'timeout') {
  await stubRunning
  jest.advanceTimersByTime(PHONEME_TIMEOUT_MS)
}
if (mode === 'cancel') {
  await stubRunning
  abort.abort(reason)
}
console.log(JSON.stringify(await weighing))
process.exit(0)
