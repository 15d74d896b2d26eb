// What the stock-footage providers (Pexels, Pixabay) share: one clip per scene, searched on the
// scene's keywords in script order, never the same clip twice when the search offers another.
import { join } from 'node:path'
import { providerFailure } from '../errors'
import { sniffMedia } from './media-type'
import { safeDownload } from './safe-fetch'
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals'

export interface MediaFetchLimits {
  maxBytes: number
  timeoutMs: number
  allowPrivateHosts: boolean
}

/** A search hit: the clip's id and the URL of the rendition picked for the output size, if any. */
export interface StockHit {
  id: number
  url?: string
}

/**
 * The smallest file at least as wide as the output, never wider than 1920 (no 4K downloads to
 * make 1080p); failing that the widest narrower one; failing that the smallest.
 */
export function pickFile<T extends { width: number | null }>(files: T[], targetWidth: number): T | undefined {
  const cap = Math.max(targetWidth, 1920)
  const sized = files.filter((f) => (f.width ?? 0) > 0).sort((a, b) => a.width! - b.width!)
  return (
    sized.find((f) => f.width! >= targetWidth && f.width! <= cap) ??
    sized.filter((f) => f.width! < targetWidth).at(-1) ??
    sized[0] ??
    files[0]
  )
}

/**
 * A stock-footage search API: each provider says how to search; fetching one clip per scene, the
 * key, the limits and the error for a failed answer are the same for all.
 */
export abstract class StockVisuals implements VisualProvider {
  abstract readonly name: string
  /** Longest query the API accepts. */
  protected readonly maxQueryLength?: number

  constructor(
    protected readonly baseURL: string,
    protected readonly apiKey: string,
    private readonly limits: MediaFetchLimits,
  ) {}

  /** The hits for one scene's query, each with the rendition picked for `req.width`. */
  protected abstract search(query: string, req: VisualRequest): Promise<StockHit[]>

  scenes(req: VisualRequest): Promise<(SceneVisual | null)[]> {
    return clipPerScene(req, this.name, this.limits, this.maxQueryLength, (query) => this.search(query, req))
  }

  protected async getJson<T>(url: URL, req: VisualRequest, headers?: Record<string, string>): Promise<T> {
    const res = await fetch(url, { headers, signal: req.signal })
    if (!res.ok) throw providerFailure(this.name, res.status, await res.text())
    return (await res.json()) as T
  }
}

async function clipPerScene(
  req: VisualRequest,
  name: string,
  limits: MediaFetchLimits,
  maxQueryLength: number | undefined,
  search: (query: string) => Promise<StockHit[]>,
): Promise<(SceneVisual | null)[]> {
  const used = new Set<number>()
  const out: (SceneVisual | null)[] = []
  for (const [i, scene] of req.scenes.entries()) {
    const query = (scene.keywords.join(' ') || req.video.topic || '').slice(0, maxQueryLength)
    if (!query) {
      out.push(null)
      continue
    }
    const hits = await search(query)
    const hit = hits.find((h) => !used.has(h.id)) ?? hits[0]
    if (!hit?.url) {
      out.push(null)
      continue
    }
    used.add(hit.id)
    const path = join(req.dir, `scene-${i}.mp4`)
    await safeDownload(hit.url, path, { ...limits, accept: ['video/'], signal: req.signal, budget: req.mediaBudget })
    await sniffMedia(path, 'scene', `${name} clip ${hit.id}`)
    out.push({ kind: 'clip', path, source: `${name}:${hit.id}` })
  }
  return out
}
