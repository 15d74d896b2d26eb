// Pexels video search: one clip per scene, matched on the scene's keywords, in script order.
import { join } from 'node:path';
import { providerFailure } from '../errors/provider-error';
import type { Aspect } from '../contract';
import { safeDownload } from './safe-fetch';
import type { SceneVisual, VisualProvider, VisualRequest } from './visuals';

export interface MediaFetchLimits {
  maxBytes: number;
  timeoutMs: number;
  allowPrivateHosts: boolean;
}

interface PexelsVideoFile {
  link: string;
  width: number | null;
  height: number | null;
  file_type: string;
  quality: string | null;
}

interface PexelsSearch {
  videos: { id: number; duration: number; video_files: PexelsVideoFile[] }[];
}

export const ORIENTATION: Record<Aspect, string> = { '16:9': 'landscape', '9:16': 'portrait', '1:1': 'square' };

/**
 * The smallest file at least as wide as the output, never wider than 1920 (no 4K downloads to
 * make 1080p); failing that the widest narrower one; failing that the smallest.
 */
export function pickFile<T extends { width: number | null }>(files: T[], targetWidth: number): T | undefined {
  const cap = Math.max(targetWidth, 1920);
  const sized = files.filter((f) => (f.width ?? 0) > 0).sort((a, b) => a.width! - b.width!);
  return (
    sized.find((f) => f.width! >= targetWidth && f.width! <= cap) ??
    sized.filter((f) => f.width! < targetWidth).at(-1) ??
    sized[0] ??
    files[0]
  );
}

export class PexelsVisuals implements VisualProvider {
  readonly name = 'pexels';

  constructor(
    private readonly baseURL: string,
    private readonly apiKey: string,
    private readonly limits: MediaFetchLimits,
  ) {}

  async scenes(req: VisualRequest): Promise<(SceneVisual | null)[]> {
    const used = new Set<number>();
    const out: (SceneVisual | null)[] = [];
    for (const [i, scene] of req.scenes.entries()) {
      const query = scene.keywords.join(' ') || req.video.topic || '';
      if (!query) {
        out.push(null);
        continue;
      }
      const url = new URL(`${this.baseURL}/videos/search`);
      url.searchParams.set('query', query);
      url.searchParams.set('orientation', ORIENTATION[req.aspect]);
      url.searchParams.set('per_page', '8');
      const res = await fetch(url, { headers: { Authorization: this.apiKey }, signal: req.signal });
      if (!res.ok) throw providerFailure('pexels', res.status, await res.text());
      const body = (await res.json()) as PexelsSearch;
      const video = body.videos.find((v) => !used.has(v.id)) ?? body.videos[0];
      const file = video && pickFile(video.video_files.filter((f) => f.file_type === 'video/mp4'), req.width);
      if (!video || !file) {
        out.push(null);
        continue;
      }
      used.add(video.id);
      const path = join(req.dir, `scene-${i}.mp4`);
      await safeDownload(file.link, path, { ...this.limits, accept: ['video/'], signal: req.signal });
      out.push({ kind: 'clip', path, source: `pexels:${video.id}` });
    }
    return out;
  }
}
