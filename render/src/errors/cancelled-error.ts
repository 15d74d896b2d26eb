import { UnrecoverableError } from 'bullmq'

/** The operator cancelled the video; never retried, never dead-lettered. */
export class CancelledError extends UnrecoverableError {
  override name = 'CancelledError'
  constructor(readonly videoId: string) {
    super(`video ${videoId} was cancelled`)
  }
}
