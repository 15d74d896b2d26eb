import type { Context } from 'hono'

/**
 * Lets `work` finish after the response has gone (`ExecutionContext.waitUntil`). Without an
 * execution context (a bare `app.request` call) it simply runs on. `work` must not reject.
 */
export function inBackground(c: Context, work: Promise<unknown>): void {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined
  try {
    ctx = c.executionCtx
  } catch {
    ctx = undefined
  }
  ctx?.waitUntil(work)
}
