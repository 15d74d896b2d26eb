// espeak-ng phonemising a scene's words has a limit and stops on cancel (word-timing.ts): a stub
// espeak-ng that never answers stands in for a stuck one, in a child process (phoneme-weights-child.ts)
// whose PATH finds the stub first. Each test also checks that no stub process is left running.
import { afterEach, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CHILD = join(import.meta.dir, 'phoneme-weights-child.ts')
const dirs: string[] = []
const children: ReturnType<typeof Bun.spawn>[] = []

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The stub's pid, once it has run. */
const stubPidIn = async (dir: string) => (existsSync(join(dir, 'pid')) ? Number(await readFile(join(dir, 'pid'), 'utf8')) : null)

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) {
    // A stub the code under test failed to stop is still ours to end.
    const pid = await stubPidIn(dir)
    if (pid !== null && isRunning(pid)) process.kill(pid, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
})

/** Runs phonemeWeights in a child against an espeak-ng that records its pid and then never answers. */
async function weighWithHangingEspeak(mode: 'timeout' | 'cancel' | 'cancelled-before') {
  const dir = await mkdtemp(join(tmpdir(), 'ytempire-espeak-stub-'))
  dirs.push(dir)
  const stub = join(dir, 'espeak-ng')
  await writeFile(stub, `#!/bin/sh\necho $$ > "${dir}/pid.tmp" && mv "${dir}/pid.tmp" "${dir}/pid"\nexec sleep 600\n`)
  await chmod(stub, 0o755)
  const child = Bun.spawn(['bun', CHILD, dir, mode], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  children.push(child)
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  expect(code, err).toBe(0)
  return { result: JSON.parse(out) as { weights?: number[]; error?: string; isReason?: boolean }, stubPid: await stubPidIn(dir) }
}

test('an espeak-ng that never answers is killed at its limit, and the words are weighed by their letters', async () => {
  const { result, stubPid } = await weighWithHangingEspeak('timeout')
  expect(stubPid).toBeNumber()
  // Letters of "Honey", "never", "spoils" (punctuation dropped): the fallback, not espeak-ng's phonemes.
  expect(result).toEqual({ weights: [5, 5, 6] })
  expect(isRunning(stubPid!)).toBe(false)
})

test("a cancel stops a hanging espeak-ng at once and throws the signal's reason", async () => {
  const { result, stubPid } = await weighWithHangingEspeak('cancel')
  expect(stubPid).toBeNumber()
  // Not ToolTimeoutError (the limit would have stopped it instead) and not the letters fallback.
  expect(result).toEqual({ error: 'CancelledError', isReason: true })
  expect(isRunning(stubPid!)).toBe(false)
})

test('an already cancelled signal throws its reason without starting espeak-ng', async () => {
  const { result, stubPid } = await weighWithHangingEspeak('cancelled-before')
  expect(result).toEqual({ error: 'CancelledError', isReason: true })
  expect(stubPid).toBeNull()
})
