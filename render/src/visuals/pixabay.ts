// Pixabay video search: one clip per scene, matched on the scene's keywords, in script order.
import { pickFile, type StockHit, StockVisuals } from './stock-clips'
import type { VisualRequest } from './visuals'

interface PixabayRendition {
  url: string
  width: number
  height: number
  size: number
}

interface PixabaySearch {
  hits: { id: number; duration: number; videos: Record<string, PixabayRendition> }[]
}

export class PixabayVisuals extends StockVisuals {
  readonly name = 'pixabay'
  protected override readonly maxQueryLength = 100

  protected async search(query: string, req: VisualRequest): Promise<StockHit[]> {
    const url = new URL(`${this.baseURL}/api/videos/`)
    url.searchParams.set('key', this.apiKey)
    url.searchParams.set('q', query)
    url.searchParams.set('per_page', '5')
    url.searchParams.set('safesearch', 'true')
    const body = await this.getJson<PixabaySearch>(url, req)
    return body.hits.map((h) => ({
      id: h.id,
      url: pickFile(
        Object.values(h.videos).filter((v) => v.url),
        req.width,
      )?.url,
    }))
  }
}
