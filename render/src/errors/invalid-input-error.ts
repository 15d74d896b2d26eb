import { UnrecoverableError } from 'bullmq'

/** The job itself is wrong (missing script, bad media, refused URL): retrying cannot help. */
export class InvalidInputError extends UnrecoverableError {
  override name = 'InvalidInputError'
}
