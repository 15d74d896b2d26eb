// Pictures and clips for tests, made by ffmpeg from its own generated sources rather than kept as
// binary fixtures, and what ffprobe reads in a file.

/** What ffmpeg writes to stdout for a generated (lavfi) source, say `color=c=red:s=64x64`, given these output options. */
export function generatedMedia(source: string, output: readonly string[]): Uint8Array {
  const made = Bun.spawnSync(['ffmpeg', '-v', 'error', '-f', 'lavfi', '-i', source, ...output, 'pipe:1'])
  if (made.exitCode !== 0) throw new Error(`ffmpeg could not make ${source}: ${made.stderr.toString()}`)
  return new Uint8Array(made.stdout)
}

/** A picture of one colour (an ffmpeg colour name or 0xRRGGBB), `size` as `WxH`. */
export function solidImage(color: string, size: string, format: 'png' | 'jpeg' = 'png'): Uint8Array {
  const codec = format === 'png' ? 'png' : 'mjpeg'
  return generatedMedia(`color=c=${color}:s=${size}`, ['-frames:v', '1', '-f', 'image2pipe', '-c:v', codec])
}

export interface ProbedStream {
  codec_type: string
  codec_name: string
  profile?: string
  width?: number
  height?: number
}

/** What ffprobe finds in a media file: its streams and its container. */
export async function ffprobe(path: string): Promise<{ streams: ProbedStream[]; format: { duration: string; format_name: string } }> {
  const proc = Bun.spawn(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path], { stdout: 'pipe' })
  const out = await new Response(proc.stdout).text()
  await proc.exited
  return JSON.parse(out)
}
