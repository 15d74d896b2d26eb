import { UnrecoverableError } from 'bullmq'

/** Every attempt of a stage was spent by a worker that died running it (killed, out of memory, host gone). */
export class WorkerStoppedError extends UnrecoverableError {
  override name = 'WorkerStoppedError'
  constructor(readonly deaths: number) {
    super(`the worker running this stage stopped ${deaths} time(s) before it finished`)
  }
}
