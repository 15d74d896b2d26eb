// Pixabay video search: one clip per scene, matched on the scene's keywords, in script order.
import { providerFailure } from '../errors'
import { clipPerScene, type MediaFetchLimits, pickFile } from './stock-clips'
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals'

interface PixabayRendition {
  url: string
  width: number
  height: number
  size: number
}

interface PixabaySearch {
  hits: { id: number; duration: number; videos: Record<string, PixabayRendition> }[]
}

export class PixabayVisuals implements VisualProvider {
  readonly name = 'pixabay'

  constructor(
    private readonly baseURL: string,
    private readonly apiKey: string,
    private readonly limits: MediaFetchLimits,
  ) {}

  scenes(req: VisualRequest): Promise<(SceneVisual | null)[]> {
    return clipPerScene(req, {
      name: this.name,
      limits: this.limits,
      maxQueryLength: 100,
      search: async (query) => {
        const url = new URL(`${this.baseURL}/api/videos/`)
        url.searchParams.set('key', this.apiKey)
        url.searchParams.set('q', query)
        url.searchParams.set('per_page', '5')
        url.searchParams.set('safesearch', 'true')
        const res = await fetch(url, { signal: req.signal })
        if (!res.ok) throw providerFailure('pixabay', res.status, await res.text())
        const body = (await res.json()) as PixabaySearch
        return body.hits.map((h) => ({
          id: h.id,
          url: pickFile(
            Object.values(h.videos).filter((v) => v.url),
            req.width,
          )?.url,
        }))
      },
    })
  }
}
