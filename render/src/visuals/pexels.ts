// Pexels video search: one clip per scene, matched on the scene's keywords, in script order.

import type { Aspect } from '@ytempire/contract'
import { providerFailure } from '../errors'
import { clipPerScene, type MediaFetchLimits, pickFile } from './stock-clips'
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals'

interface PexelsVideoFile {
  link: string
  width: number | null
  height: number | null
  file_type: string
  quality: string | null
}

interface PexelsSearch {
  videos: { id: number; duration: number; video_files: PexelsVideoFile[] }[]
}

export const ORIENTATION: Record<Aspect, string> = { '16:9': 'landscape', '9:16': 'portrait', '1:1': 'square' }

export class PexelsVisuals implements VisualProvider {
  readonly name = 'pexels'

  constructor(
    private readonly baseURL: string,
    private readonly apiKey: string,
    private readonly limits: MediaFetchLimits,
  ) {}

  scenes(req: VisualRequest): Promise<(SceneVisual | null)[]> {
    return clipPerScene(req, {
      name: this.name,
      limits: this.limits,
      search: async (query) => {
        const url = new URL(`${this.baseURL}/videos/search`)
        url.searchParams.set('query', query)
        url.searchParams.set('orientation', ORIENTATION[req.aspect])
        url.searchParams.set('per_page', '8')
        const res = await fetch(url, { headers: { Authorization: this.apiKey }, signal: req.signal })
        if (!res.ok) throw providerFailure('pexels', res.status, await res.text())
        const body = (await res.json()) as PexelsSearch
        return body.videos.map((v) => ({
          id: v.id,
          url: pickFile(
            v.video_files.filter((f) => f.file_type === 'video/mp4'),
            req.width,
          )?.link,
        }))
      },
    })
  }
}
