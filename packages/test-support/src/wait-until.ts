export interface WaitOptions {
  /** What is awaited, for the failure message ("video completed"). */
  what: string
  /**
   * Default 15 s: a wait ends as soon as the condition holds, so only a failure pays it, and a busy
   * 2-core CI machine can take seconds to run a queue consumer.
   */
  timeoutMs?: number
  intervalMs?: number
}

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that.
 * A probe that throws is polled again; the last value or error is named in the timeout message.
 */
export async function waitUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitOptions,
): Promise<T> {
  const { what, timeoutMs = 15_000, intervalMs = 20 } = opts
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== null && value !== false) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? `threw ${last.message}` : `was ${JSON.stringify(last)}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last check ${seen})`)
    }
    await Bun.sleep(intervalMs)
  }
}
