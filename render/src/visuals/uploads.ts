// The operator's own media: public URLs (fetched through the SSRF guard) or storage keys under
// `uploads/<userId>/`, assigned to scenes in order (repeating when there are fewer than scenes).
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Storage } from '@ytempire/storage'
import { InvalidInputError } from '../errors'
import { safeDownload } from './safe-fetch'
import type { MediaFetchLimits } from './stock-clips'
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals'

const VIDEO_EXT = /\.(mp4|mov|webm|mkv|m4v)$/i
const IMAGE_EXT = /\.(png|jpe?g|webp|gif|bmp)$/i

/** Fetches one user-supplied reference (URL or own storage key) to `basePath`; used for music too. */
export async function fetchUserMedia(
  ref: string,
  userId: string,
  basePath: string,
  storage: Storage,
  limits: MediaFetchLimits,
  accept: string[],
  signal: AbortSignal,
): Promise<{ path: string; contentType: string }> {
  if (/^https?:\/\//i.test(ref)) {
    const tmp = `${basePath}.download`
    const { contentType } = await safeDownload(ref, tmp, { ...limits, accept, signal })
    return { path: tmp, contentType }
  }
  if (!ref.startsWith(`uploads/${userId}/`)) throw new InvalidInputError(`media key must be under uploads/${userId}/: ${ref}`)
  const stat = await storage.stat(ref)
  if (!stat) throw new InvalidInputError(`media not found: ${ref}`)
  if (stat.size > limits.maxBytes) throw new InvalidInputError(`media too large: ${ref}`)
  if (!accept.some((a) => stat.contentType.startsWith(a)))
    throw new InvalidInputError(`refused content-type ${stat.contentType} for ${ref}`)
  const local = await storage.toLocalFile(ref, join(basePath, '..'))
  const path = `${basePath}.upload`
  await copyFile(local, path)
  return { path, contentType: stat.contentType }
}

export class UploadedVisuals implements VisualProvider {
  readonly name = 'uploads'

  constructor(
    private readonly storage: Storage,
    private readonly limits: MediaFetchLimits,
  ) {}

  async scenes(req: VisualRequest): Promise<SceneVisual[]> {
    const media = req.video.media ?? []
    if (media.length === 0) throw new InvalidInputError('visualSource "uploads" needs media')
    const fetched = new Map<string, SceneVisual>()
    const out: SceneVisual[] = []
    for (let i = 0; i < req.scenes.length; i++) {
      const ref = media[i % media.length]!
      let visual = fetched.get(ref)
      if (!visual) {
        const { path, contentType } = await fetchUserMedia(
          ref,
          req.video.userId,
          join(req.dir, `media-${fetched.size}`),
          this.storage,
          this.limits,
          ['image/', 'video/'],
          req.signal,
        )
        const isVideo = contentType.startsWith('video/') || (!contentType.startsWith('image/') && VIDEO_EXT.test(ref))
        if (!isVideo && !contentType.startsWith('image/') && !IMAGE_EXT.test(ref)) throw new InvalidInputError(`unsupported media ${ref}`)
        visual = { kind: isVideo ? 'clip' : 'still', path, source: ref }
        fetched.set(ref, visual)
      }
      out.push(visual)
    }
    return out
  }
}
