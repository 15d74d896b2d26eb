// Picks the H.264 encoder: NVENC when ffmpeg lists it and a tiny test encode works, else libx264.
import type { Logger } from 'pino'
import type { EncoderChoice } from '../config'
import { encoderInfo } from '../metrics'

export type VideoEncoder = 'h264_nvenc' | 'libx264'

let detected: Promise<VideoEncoder> | undefined

async function exitsCleanly(cmd: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const proc = Bun.spawn(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'ignore' })
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
    clearTimeout(timer)
    return { ok: code === 0, stdout }
  } catch {
    return { ok: false, stdout: '' }
  }
}

async function detectNvenc(): Promise<boolean> {
  const listed = await exitsCleanly(['ffmpeg', '-hide_banner', '-encoders'])
  if (!/\bh264_nvenc\b/.test(listed.stdout)) return false
  // Listed is not enough: builds ship it on machines without the hardware or driver.
  const test = await exitsCleanly([
    'ffmpeg',
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=256x256:r=30:d=0.2',
    '-c:v',
    'h264_nvenc',
    '-f',
    'null',
    '-',
  ])
  return test.ok
}

/** Resolves once per process; `auto` probes, `nvenc`/`libx264` force the choice. */
export function chooseEncoder(choice: EncoderChoice, log?: Logger): Promise<VideoEncoder> {
  detected ??= (async () => {
    let encoder: VideoEncoder
    let reason: string
    if (choice === 'libx264') {
      encoder = 'libx264'
      reason = 'forced by VIDEO_ENCODER'
    } else if (choice === 'nvenc') {
      encoder = 'h264_nvenc'
      reason = 'forced by VIDEO_ENCODER'
    } else if (await detectNvenc()) {
      encoder = 'h264_nvenc'
      reason = 'h264_nvenc listed and test encode succeeded'
    } else {
      encoder = 'libx264'
      reason = 'h264_nvenc unavailable or test encode failed'
    }
    encoderInfo.reset()
    encoderInfo.set({ encoder }, 1)
    log?.info({ encoder, reason }, 'video encoder chosen')
    return encoder
  })()
  return detected
}
