// Joins the scenes' audio and normalises it for YouTube (~-14 LUFS) with two-pass loudnorm.

import { FfmpegError } from '../errors'
import { FFMPEG_QUIET, runFfmpeg } from '../ffmpeg/ffmpeg'

export interface LoudnessMeasurement {
  input_i: string
  input_tp: string
  input_lra: string
  input_thresh: string
  target_offset: string
}

function joinGraph(count: number): string {
  const parts = Array.from({ length: count }, (_, i) => `[${i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono[a${i}]`)
  return `${parts.join(';')};${Array.from({ length: count }, (_, i) => `[a${i}]`).join('')}concat=n=${count}:v=0:a=1`
}

export async function normalizeVoice(
  inputs: string[],
  outputPath: string,
  targetLufs: number,
  signal: AbortSignal,
): Promise<{ measured: LoudnessMeasurement }> {
  // TTS speech is peaky: without gentle compression the true-peak ceiling keeps linear loudnorm
  // short of the target. The same chain runs in both passes so the measurement matches.
  const pre = 'acompressor=threshold=-20dB:ratio=4:attack=5:release=80:makeup=2'
  const loud = `${pre},loudnorm=I=${targetLufs}:TP=-1.5:LRA=11`
  const inputArgs = inputs.flatMap((p) => ['-i', p])
  const pass1 = await runFfmpeg(
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'info',
      ...inputArgs,
      '-filter_complex',
      `${joinGraph(inputs.length)},${loud}:print_format=json`,
      '-f',
      'null',
      '-',
    ],
    { signal, timeoutS: 300 },
  )
  const json = pass1.stderr.slice(pass1.stderr.lastIndexOf('{'), pass1.stderr.lastIndexOf('}') + 1)
  let measured: LoudnessMeasurement
  try {
    measured = JSON.parse(json) as LoudnessMeasurement
  } catch {
    throw new FfmpegError('loudnorm measurement not found', 0, pass1.stderr)
  }
  const finite = (v: string) => Number.isFinite(Number(v))
  const usable = [measured.input_i, measured.input_tp, measured.input_lra, measured.input_thresh, measured.target_offset].every(finite)
  // Second pass applies the measured values linearly (no pumping); silence-only input cannot be measured.
  const second = usable
    ? `${loud}:measured_I=${measured.input_i}:measured_TP=${measured.input_tp}:measured_LRA=${measured.input_lra}:` +
      `measured_thresh=${measured.input_thresh}:offset=${measured.target_offset}:linear=true`
    : 'anull'
  await runFfmpeg(
    [
      ...FFMPEG_QUIET,
      ...inputArgs,
      '-filter_complex',
      `${joinGraph(inputs.length)},${second},aresample=48000`,
      '-c:a',
      'pcm_s16le',
      '-ar',
      '48000',
      '-ac',
      '1',
      outputPath,
    ],
    { signal, timeoutS: 300 },
  )
  return { measured }
}
