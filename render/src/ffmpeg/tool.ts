// Every short-lived tool the workers run (ffprobe, ffmpeg's silence detection, espeak-ng's phonemes):
// a time limit and the stage's signal, either of which SIGKILLs it; never an unbounded wait.
import { ToolTimeoutError } from '../errors'

export interface ToolOptions {
  /** aborting kills the tool at once and rejects with the signal's reason */
  signal?: AbortSignal
  timeoutS: number
  stdin?: Uint8Array
}

export interface ToolResult {
  exitCode: number
  stdout: string
  stderr: string
}

export async function runTool(cmd: string[], opts: ToolOptions): Promise<ToolResult> {
  opts.signal?.throwIfAborted()
  const proc = Bun.spawn(cmd, { stdin: opts.stdin ?? 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let stopped: unknown
  const stop = (reason: unknown) => {
    stopped ??= reason
    proc.kill('SIGKILL')
  }
  const onAbort = () => stop(opts.signal?.reason ?? new Error('aborted'))
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  const timer = setTimeout(() => stop(new ToolTimeoutError(cmd[0]!, opts.timeoutS)), opts.timeoutS * 1000)
  try {
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    if (stopped !== undefined) throw stopped
    return { exitCode, stdout, stderr }
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}
