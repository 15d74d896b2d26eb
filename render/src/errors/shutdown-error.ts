/** The worker is stopping past its grace period: the job goes back to the queue without spending an attempt. */
export class ShutdownError extends Error {
  override name = 'ShutdownError'
  constructor() {
    super('worker shutting down: job handed back')
  }
}
