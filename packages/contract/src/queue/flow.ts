// The BullMQ flow of a video's stages after the entry, derived from the pipeline definition.
import type { FlowJob } from 'bullmq'
import type { VideoJob } from '../jobs'
import { type FlowNode, PIPELINE, type RetryPolicy, type Stage } from '../pipeline'
import { stageJobId, stageJobOptions } from './queues'

/**
 * The flow tree for `video`: a parent job runs when its children have completed, and a child that
 * fails fails its parent. Every job carries `data`; `retry` is the video's policy.
 */
export function videoFlow(video: VideoJob, data: object, retry: RetryPolicy): FlowJob | undefined {
  const tree = PIPELINE.flowFor(video)
  if (!tree) return undefined
  const job = (node: FlowNode<Stage>, isRoot: boolean): FlowJob => {
    const opts = { ...stageJobOptions(video.plan, PIPELINE.retryOf(node.stage, retry)), jobId: stageJobId(video.videoId, node.stage) }
    const children = node.children.map((child) => job(child, false))
    return {
      name: node.stage,
      queueName: PIPELINE.spec[node.stage].queue,
      data,
      opts: isRoot ? opts : { ...opts, failParentOnFailure: true },
      ...(children.length ? { children } : {}),
    }
  }
  return job(tree, true)
}
