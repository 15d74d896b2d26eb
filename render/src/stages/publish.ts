// Stage 5, only when the job asks for it: the video to its channel's YouTube channel, exactly once
// (publish/publish-video.ts). A video rendered earlier names its files in the job; in a full run the
// stages before hand them over.
import { InvalidInputError, StageDelay } from '../errors'
import { youtubePublishes } from '../metrics'
import type { StageContext } from '../pipeline/stage'
import { type PublishResult, publishVideo } from '../publish/publish-video'
import type { RenderStageResult } from './render'
import type { ScriptStageResult } from './script'
import type { ThumbnailStageResult } from './thumbnail'

export type PublishStageResult = PublishResult

export async function publishStage(ctx: StageContext): Promise<PublishStageResult> {
  const { video } = ctx
  const request = video.publish
  if (!request) throw new InvalidInputError('the job does not ask to be published')
  const files = request.files ?? {
    scriptKey: ctx.resultOf<ScriptStageResult>('script').scriptKey,
    videoKey: ctx.resultOf<RenderStageResult>('render').video.key,
    thumbnailKey: ctx.resultOf<ThumbnailStageResult>('thumbnail').thumbnail.key,
  }
  try {
    const result = await publishVideo(
      { videoId: video.videoId, title: video.title, grant: request.grant, ...files },
      { config: ctx.config, storage: ctx.storage, dir: ctx.dir, signal: ctx.signal, log: ctx.log, progress: ctx.progress },
    )
    youtubePublishes.inc({ outcome: result.outcome })
    return result
  } catch (err) {
    youtubePublishes.inc({ outcome: err instanceof StageDelay ? 'waiting' : 'failed' })
    throw err
  }
}
