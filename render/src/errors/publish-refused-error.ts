import { UnrecoverableError } from 'bullmq'

/** The core will not let this job publish (grant superseded, outcome unknown, channel relinked): retrying cannot help. */
export class PublishRefusedError extends UnrecoverableError {
  override name = 'PublishRefusedError'
}
