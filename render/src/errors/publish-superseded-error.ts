/** The core answered 401: a newer publish request replaced this job's grant, and another job publishes the video. Not a failure. */
export class PublishSupersededError extends Error {
  override name = 'PublishSupersededError'
}
