// Pexels video search: one clip per scene, matched on the scene's keywords, in script order.

import type { Aspect } from '@ytempire/contract'
import { pickFile, type StockHit, StockVisuals } from './stock-clips'
import type { VisualRequest } from './visuals'

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

export class PexelsVisuals extends StockVisuals {
  readonly name = 'pexels'

  protected async search(query: string, req: VisualRequest): Promise<StockHit[]> {
    const url = new URL(`${this.baseURL}/videos/search`)
    url.searchParams.set('query', query)
    url.searchParams.set('orientation', ORIENTATION[req.aspect])
    url.searchParams.set('per_page', '8')
    const body = await this.getJson<PexelsSearch>(url, req, { Authorization: this.apiKey })
    return body.videos.map((v) => ({
      id: v.id,
      url: pickFile(
        v.video_files.filter((f) => f.file_type === 'video/mp4'),
        req.width,
      )?.link,
    }))
  }
}
