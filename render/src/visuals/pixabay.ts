// Pixabay video search: one clip per scene, matched on the scene's keywords, in script order.
import { join } from 'node:path';
import { providerFailure } from '../errors/provider-error';
import { safeDownload } from './safe-fetch';
import { pickFile, type MediaFetchLimits } from './pexels';
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals';

interface PixabayRendition {
  url: string;
  width: number;
  height: number;
  size: number;
}

interface PixabaySearch {
  hits: { id: number; duration: number; videos: Record<string, PixabayRendition> }[];
}

export class PixabayVisuals implements VisualProvider {
  readonly name = 'pixabay';

  constructor(
    private readonly baseURL: string,
    private readonly apiKey: string,
    private readonly limits: MediaFetchLimits,
  ) {}

  async scenes(req: VisualRequest): Promise<(SceneVisual | null)[]> {
    const used = new Set<number>();
    const out: (SceneVisual | null)[] = [];
    for (const [i, scene] of req.scenes.entries()) {
      const query = (scene.keywords.join(' ') || req.video.topic || '').slice(0, 100);
      if (!query) {
        out.push(null);
        continue;
      }
      const url = new URL(`${this.baseURL}/api/videos/`);
      url.searchParams.set('key', this.apiKey);
      url.searchParams.set('q', query);
      url.searchParams.set('per_page', '5');
      url.searchParams.set('safesearch', 'true');
      const res = await fetch(url, { signal: req.signal });
      if (!res.ok) throw providerFailure('pixabay', res.status, await res.text());
      const body = (await res.json()) as PixabaySearch;
      const hit = body.hits.find((h) => !used.has(h.id)) ?? body.hits[0];
      const file = hit && pickFile(Object.values(hit.videos).filter((v) => v.url), req.width);
      if (!hit || !file) {
        out.push(null);
        continue;
      }
      used.add(hit.id);
      const path = join(req.dir, `scene-${i}.mp4`);
      await safeDownload(file.url, path, { ...this.limits, accept: ['video/'], signal: req.signal });
      out.push({ kind: 'clip', path, source: `pixabay:${hit.id}` });
    }
    return out;
  }
}
