// The operator's own media: public URLs (fetched through the SSRF guard) or storage keys under
// `uploads/<userId>/`, assigned to scenes in order (repeating when there are fewer than scenes). Every
// file is checked by its bytes before use.
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type MediaType, uploadsPrefix } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import { InvalidInputError } from '../errors'
import { type MediaUse, sniffMedia } from './media-type'
import { type MediaBudget, safeDownload } from './safe-fetch'
import type { MediaFetchLimits } from './stock-clips'
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals'

export interface UserMediaRequest {
  /** a public URL, or a storage key under the user's uploads */
  ref: string
  userId: string
  /** where to put the file (an extension is added) */
  basePath: string
  storage: Storage
  limits: MediaFetchLimits
  use: MediaUse
  signal: AbortSignal
  budget: MediaBudget
}

/** Fetches one user-supplied reference (URL or own storage key); used for scenes and music. */
export async function fetchUserMedia(req: UserMediaRequest): Promise<{ path: string; type: MediaType }> {
  const { ref, userId, basePath, storage, limits, use, signal, budget } = req
  let path: string
  if (/^https?:\/\//i.test(ref)) {
    path = `${basePath}.download`
    const accept = use === 'scene' ? ['image/', 'video/'] : ['audio/', 'video/']
    await safeDownload(ref, path, { ...limits, accept, signal, budget })
  } else {
    if (!ref.startsWith(uploadsPrefix(userId))) throw new InvalidInputError(`media key must be under ${uploadsPrefix(userId)}: ${ref}`)
    const stat = await storage.stat(ref)
    if (!stat) throw new InvalidInputError(`media not found: ${ref}`)
    if (stat.size > Math.min(limits.maxBytes, budget.left))
      throw new InvalidInputError(`media too large: ${ref} (${stat.size} bytes; ${Math.min(limits.maxBytes, budget.left)} left)`)
    budget.left -= stat.size
    const local = await storage.toLocalFile(ref, join(basePath, '..'))
    path = `${basePath}.upload`
    await copyFile(local, path)
  }
  return { path, type: await sniffMedia(path, use, ref) }
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
        const { path, type } = await fetchUserMedia({
          ref,
          userId: req.video.userId,
          basePath: join(req.dir, `media-${fetched.size}`),
          storage: this.storage,
          limits: this.limits,
          use: 'scene',
          signal: req.signal,
          budget: req.mediaBudget,
        })
        visual = { kind: type.startsWith('video/') ? 'clip' : 'still', path, source: ref }
        fetched.set(ref, visual)
      }
      out.push(visual)
    }
    return out
  }
}
