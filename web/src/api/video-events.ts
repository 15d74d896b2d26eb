// Live progress: the core's Server-Sent Events stream, read through the Eden client (which sends the
// access token, unlike EventSource, and yields one parsed message per event).
import { ProblemError, toProblem } from './problem'
import { api } from './session'
import type { Video } from './types'

interface SseMessage {
  event?: string
  data?: unknown
}

/** Calls onVideo with the snapshot and every update until the stream ends (the video finished, or the connection dropped). */
export async function followVideo(id: string, onVideo: (video: Video) => void, signal: AbortSignal): Promise<void> {
  const r = await api.v1.videos({ id }).events.get({ fetch: { signal } })
  if (r.error) throw new ProblemError(toProblem(r.status, r.error.value))
  // The route answers a raw text/event-stream Response, which Eden turns into an async generator of messages.
  for await (const message of r.data as unknown as AsyncIterable<SseMessage>) {
    if ((message.event === 'snapshot' || message.event === 'update') && message.data && typeof message.data === 'object')
      onVideo(message.data as Video)
  }
}
