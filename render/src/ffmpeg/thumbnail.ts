// 1280x720 JPEG: a frame of the video, darkened at the bottom, with the title set large.
import { FFMPEG_QUIET } from './ffmpeg'

/** Wraps the title into at most `maxLines` lines of about `width` characters (ellipsis when cut). */
export function wrapTitle(title: string, width = 20, maxLines = 3): string[] {
  const lines: string[] = []
  let line = ''
  const words = title.trim().split(/\s+/)
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (line && `${line} ${word}`.length > width) {
      lines.push(line)
      line = word
      if (lines.length === maxLines) {
        lines[maxLines - 1] = `${lines[maxLines - 1]!.replace(/[\s.,;:!?]*$/, '')}…`
        return lines
      }
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}

export interface ThumbnailPlan {
  /** a still image or a video (the first scene's background, or the rendered video) */
  inputPath: string
  /** where in a video to take the frame; 0 for a still */
  atS: number
  /** file holding the wrapped title (drawtext reads it, so no escaping is needed) */
  titleFile: string
  lineCount: number
  fontFile: string
  outputPath: string
}

export function thumbnailArgs(p: ThumbnailPlan): string[] {
  const fontSize = p.lineCount >= 3 ? 92 : 108
  const band = Math.min(720, Math.round(p.lineCount * fontSize * 1.25 + 90))
  return [
    ...FFMPEG_QUIET,
    '-ss',
    p.atS.toFixed(3),
    '-i',
    p.inputPath,
    '-frames:v',
    '1',
    '-vf',
    'scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,' +
      `drawbox=x=0:y=ih-${band}:w=iw:h=${band}:color=black@0.6:t=fill,` +
      `drawtext=fontfile=${p.fontFile}:textfile=${p.titleFile}:fontsize=${fontSize}:fontcolor=white:` +
      `borderw=5:bordercolor=black:line_spacing=${Math.round(fontSize * 0.18)}:x=60:y=h-${band}+45`,
    '-q:v',
    '3',
    p.outputPath,
  ]
}
