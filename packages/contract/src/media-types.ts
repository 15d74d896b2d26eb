// The media a video may use (a user's uploads, media URLs and music, stock clips), recognised by their
// bytes (the `file-type` package's names), never by a file name or a Content-Type. Anything else (a
// playlist, a manifest, a concat list, an archive) is refused before ffmpeg opens it: such files name
// other files and URLs for ffmpeg to follow.

/** Each accepted type and the extension it is stored under. */
export const MEDIA_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/mp4': 'm4a',
  'audio/flac': 'flac',
} as const
export type MediaType = keyof typeof MEDIA_TYPES

/** Other names the detector gives the same formats. */
const ALIASES: Record<string, MediaType> = {
  'audio/x-wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-m4a': 'audio/mp4',
  'audio/x-flac': 'audio/flac',
}

/** The accepted type a detected one is, or undefined when it is not one we take. */
export function acceptedMediaType(detected: string | undefined): MediaType | undefined {
  if (!detected) return undefined
  if (Object.hasOwn(MEDIA_TYPES, detected)) return detected as MediaType
  return ALIASES[detected]
}
