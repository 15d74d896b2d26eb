// ffmpeg as an async child process: progress from `-progress pipe:1`, killed on cancel or timeout.
// Every input is opened with local protocols only: media downloaded from a user's URL may be crafted
// (a playlist naming other URLs or local files), and ffmpeg follows what a format names.
import { basename } from 'node:path'
import { inSpan } from '@ytempire/contract/tracing'
import { FfmpegError, RenderTimeoutError } from '../errors'
import { runTool } from './tool'

/** No banner, no stdin, overwrite the output, errors only: how every ffmpeg run here starts. */
export const FFMPEG_QUIET = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'] as const

/** The protocols an input may use (and anything it names: a playlist's segments): files and our own pipes. */
const LOCAL_ONLY = ['-protocol_whitelist', 'file,pipe'] as const

/** The arguments with every input (`-i`) limited to local protocols; a per-input option, so repeated for each. */
export function localInputsOnly(args: readonly string[]): string[] {
  return args.flatMap((arg, i) => (arg === '-i' && args[i - 1] !== 'file,pipe' ? [...LOCAL_ONLY, arg] : [arg]))
}

/** ffprobe reads one file: a minute would mean it hangs (a pipe, a stalled disk). */
const PROBE_TIMEOUT_S = 60

export interface FfmpegRunOptions {
  /** aborting kills ffmpeg at once (SIGKILL) and rejects with the signal's reason */
  signal?: AbortSignal
  timeoutS?: number
  /** expected output duration, to turn out_time into a fraction */
  durationS?: number
  onProgress?: (fraction: number) => void
  binary?: string
}

export interface FfmpegRunResult {
  wallSeconds: number
  cpuSeconds: number
  stderr: string
}

const STDERR_KEEP = 16 * 1024

/** One ffmpeg run, a span of the stage that asked for it (its output file and speed as attributes). */
export function runFfmpeg(args: string[], opts: FfmpegRunOptions = {}): Promise<FfmpegRunResult> {
  const output = args.at(-1) ?? ''
  return inSpan('ffmpeg', { attributes: { 'process.executable.name': 'ffmpeg', 'ffmpeg.output': basename(output) } }, async (span) => {
    const result = await spawnFfmpeg(args, opts)
    span.setAttributes({ 'ffmpeg.wall_seconds': result.wallSeconds, 'ffmpeg.cpu_seconds': result.cpuSeconds })
    if (opts.durationS) span.setAttribute('ffmpeg.speed', opts.durationS / Math.max(result.wallSeconds, 1e-3))
    return result
  })
}

async function spawnFfmpeg(args: string[], opts: FfmpegRunOptions): Promise<FfmpegRunResult> {
  opts.signal?.throwIfAborted()
  const started = performance.now()
  const proc = Bun.spawn([opts.binary ?? 'ffmpeg', ...localInputsOnly(args)], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })

  let abortReason: unknown
  const kill = (reason: unknown) => {
    if (abortReason === undefined) abortReason = reason
    proc.kill('SIGKILL')
  }
  const onAbort = () => kill(opts.signal?.reason ?? new Error('aborted'))
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  const timer = opts.timeoutS ? setTimeout(() => kill(new RenderTimeoutError(opts.timeoutS!)), opts.timeoutS * 1000) : undefined

  const stderrDone = (async () => {
    let tail = ''
    const decoder = new TextDecoder()
    for await (const chunk of proc.stderr) {
      tail += decoder.decode(chunk, { stream: true })
      if (tail.length > STDERR_KEEP * 2) tail = tail.slice(-STDERR_KEEP)
    }
    return tail.slice(-STDERR_KEEP)
  })()

  const progressDone = (async () => {
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of proc.stdout) {
      buffered += decoder.decode(chunk, { stream: true })
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim()
        buffered = buffered.slice(nl + 1)
        if (!opts.onProgress || !opts.durationS) continue
        // out_time_us is microseconds despite ffmpeg 5's `out_time_ms` naming quirk
        if (line.startsWith('out_time_us=')) {
          const us = Number(line.slice('out_time_us='.length))
          if (Number.isFinite(us) && us >= 0) opts.onProgress(Math.min(1, us / 1e6 / opts.durationS))
        } else if (line === 'progress=end') {
          opts.onProgress(1)
        }
      }
    }
  })()

  try {
    const exitCode = await proc.exited
    const [stderr] = await Promise.all([stderrDone, progressDone])
    if (abortReason !== undefined) throw abortReason
    if (exitCode !== 0) throw new FfmpegError(`ffmpeg exited ${exitCode}`, exitCode, stderr)
    const usage = proc.resourceUsage()
    const cpuSeconds = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1e6 : 0
    return { wallSeconds: (performance.now() - started) / 1000, cpuSeconds, stderr }
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}

/** Media duration in seconds, via ffprobe (local protocols only, a time limit, the stage's signal). */
export async function probeDuration(path: string, opts: { signal?: AbortSignal; timeoutS?: number } = {}): Promise<number> {
  const { exitCode, stdout, stderr } = await runTool(
    ['ffprobe', ...LOCAL_ONLY, '-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', path],
    { signal: opts.signal, timeoutS: opts.timeoutS ?? PROBE_TIMEOUT_S },
  )
  const duration = Number(stdout.trim())
  if (exitCode !== 0 || !Number.isFinite(duration)) throw new FfmpegError(`ffprobe failed on ${path}`, exitCode, stderr)
  return duration
}
