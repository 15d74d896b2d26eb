// Everything the core does with the pipeline, bound to one connection and prefix.
import type { Job } from 'bullmq'
import type { VideoEvent } from '../events'
import type { DeadLetterEntry, VideoJob } from '../jobs'
import { PIPELINE, type Stage } from '../pipeline'
import type { RedisConnection } from '../redis'
import {
  addDeadLetter,
  type DeadLetterRecord,
  getDeadLetter,
  listDeadLetters,
  redriveDeadLetter,
  removeDeadLettersOf,
} from './dead-letters'
import { cancelVideo, type DispatchOptions, dispatchPublish, dispatchVideo, forgetVideos, isCancelled } from './dispatch'
import { type ConsumeOptions, consumeVideoEvents, type VideoEventConsumer } from './event-consumer'
import { EventReporter, oldestPendingReport, type ReporterOptions } from './event-reporter'
import { closePipelineQueues, pipelineQueue, stageJobId } from './queues'

type RetryOptions = Pick<DispatchOptions, 'attempts' | 'backoffMs'>

export interface PipelineClient {
  readonly prefix: string
  dispatch(job: VideoJob, opts?: Omit<DispatchOptions, 'prefix'>): Promise<{ jobId: string }>
  /** The publish stage alone, for a video rendered earlier (`job.publish.files`); `round` numbers the request. */
  publish(job: VideoJob, round: number): Promise<{ jobId: string }>
  cancel(videoId: string): Promise<{ removed: number }>
  isCancelled(videoId: string): Promise<boolean>
  /** Erasure: cancels the videos, removes every job of theirs that is not running, and their dead letters. */
  forget(videoIds: readonly string[]): Promise<void>
  /** A stage's job of a video, while BullMQ keeps it. */
  stageJob(videoId: string, stage: Stage): Promise<Job | undefined>
  deadLetters: {
    add(entry: DeadLetterRecord, id: string): Promise<string>
    list(range?: { start?: number; end?: number }): Promise<DeadLetterEntry[]>
    get(id: string): Promise<DeadLetterEntry | undefined>
    redrive(id: string, opts?: RetryOptions): Promise<{ jobId: string }>
  }
  /** When the oldest report not yet handled was queued (every report before it has been handled); undefined: none waits. */
  oldestPendingReport(): Promise<number | undefined>
  /** A reporter on this connection (the workers' side; tests play it too). */
  reporter(opts?: Omit<ReporterOptions, 'prefix'>): EventReporter
  consumeEvents(handle: (event: VideoEvent, eventKey: string) => Promise<void>, opts?: Omit<ConsumeOptions, 'prefix'>): VideoEventConsumer
  /** Closes the queues, reporters and consumers made here, then the connection. */
  close(): Promise<void>
}

/** `connection` must allow blocking commands (`maxRetriesPerRequest: null`); the client owns it from here on. */
export function createPipelineClient(connection: RedisConnection, prefix: string): PipelineClient {
  const owned: { close(): Promise<void> }[] = []
  const keep = <T extends { close(): Promise<void> }>(thing: T): T => {
    owned.push(thing)
    return thing
  }
  return {
    prefix,
    dispatch: (job, opts = {}) => dispatchVideo(connection, job, { ...opts, prefix }),
    publish: (job, round) => dispatchPublish(connection, job, round, { prefix }),
    cancel: (videoId) => cancelVideo(connection, videoId, { prefix }),
    isCancelled: (videoId) => isCancelled(connection, videoId, prefix),
    async forget(videoIds) {
      await forgetVideos(connection, videoIds, prefix)
      await removeDeadLettersOf(connection, videoIds, { prefix })
    },
    stageJob: (videoId, stage) => pipelineQueue(connection, PIPELINE.spec[stage].queue, prefix).getJob(stageJobId(videoId, stage)),
    deadLetters: {
      add: (entry, id) => addDeadLetter(connection, entry, id, { prefix }),
      list: (range = {}) => listDeadLetters(connection, { ...range, prefix }),
      get: (id) => getDeadLetter(connection, id, { prefix }),
      redrive: (id, opts = {}) => redriveDeadLetter(connection, id, { ...opts, prefix }),
    },
    oldestPendingReport: () => oldestPendingReport(connection, prefix),
    reporter: (opts = {}) => keep(new EventReporter(connection, { ...opts, prefix })),
    consumeEvents: (handle, opts = {}) => keep(consumeVideoEvents(connection, handle, { ...opts, prefix })),
    async close() {
      await Promise.all(owned.splice(0).map((o) => o.close()))
      await closePipelineQueues(connection)
      connection.disconnect()
    },
  }
}
