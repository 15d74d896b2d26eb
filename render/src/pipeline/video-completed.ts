// The pipeline-level report: when the flow's final stage has completed, the video is complete.
// Built from the outcomes of every stage, which the final job holds.
import type { Stage, VideoEventOf, VideoJob } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import { loadScript } from '../script/script'
import type { RenderStageResult } from '../stages/render'
import type { ScriptStageResult } from '../stages/script'
import type { ThumbnailStageResult } from '../stages/thumbnail'
import { outcomeOf, type StageOutcomes } from './stage'

export async function videoCompleted(
  video: VideoJob,
  outcomes: StageOutcomes,
  storage: Storage,
): Promise<Omit<VideoEventOf<'video.completed'>, 'at'>> {
  const { scriptKey } = outcomeOf<ScriptStageResult>(outcomes, 'script').result
  const render = outcomeOf<RenderStageResult>(outcomes, 'render').result
  const { thumbnail } = outcomeOf<ThumbnailStageResult>(outcomes, 'thumbnail').result
  const script = await loadScript(storage, scriptKey)
  const ran = Object.entries(outcomes) as [Stage, NonNullable<StageOutcomes[Stage]>][]
  return {
    type: 'video.completed',
    videoId: video.videoId,
    title: video.title?.trim() || script.title,
    description: script.description,
    tags: script.tags,
    durationS: render.durationS,
    video: render.video,
    thumbnail,
    artifacts: ran.flatMap(([, o]) => o.artifacts),
    stageDurationsMs: Object.fromEntries(ran.map(([stage, o]) => [stage, o.durationMs])),
  }
}
