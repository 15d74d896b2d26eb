// Visual providers: one visual per scene, in script order, stored as artifacts for the renderer.
import type { Aspect, ScriptScene, VideoJob } from '@ytempire/contract'
import type { MediaBudget } from './safe-fetch'

export interface SceneVisual {
  kind: 'still' | 'clip'
  /** local file the provider produced or downloaded */
  path: string
  /** where it came from (provider name, URL or key), for the record */
  source: string
}

export interface VisualRequest {
  video: VideoJob
  scenes: ScriptScene[]
  width: number
  height: number
  aspect: Aspect
  /** working directory for downloads and generated files; removed by the caller */
  dir: string
  signal: AbortSignal
  /** what the video may still download (the plan's mediaBytes), shared by every download of the stage */
  mediaBudget: MediaBudget
}

export interface VisualProvider {
  readonly name: string
  /** Returns one visual per scene; `null` where it found nothing (the stage falls back to a generated one). */
  scenes(req: VisualRequest): Promise<(SceneVisual | null)[]>
}

/** Stills are made this much larger than the output so the renderer's pan has room (see render-plan). */
export function stillSize(width: number, height: number, margin: number): { width: number; height: number } {
  const even = (n: number) => 2 * Math.round(n / 2)
  return { width: even(width * (1 + margin)), height: even(height * (1 + margin)) }
}
