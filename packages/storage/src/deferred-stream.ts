/**
 * A stream whose source is opened on first read, so `stream()` can stay synchronous while a missing
 * object or a bad range still surfaces as a typed error on the stream (through `mapError`).
 */
export function deferredStream(
  open: () => Promise<ReadableStream<Uint8Array>>,
  mapError: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  let source: AsyncIterator<Uint8Array> | undefined
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        source ??= (await open())[Symbol.asyncIterator]()
        const { done, value } = await source.next()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        controller.error(mapError(err))
      }
    },
    async cancel() {
      await source?.return?.()
    },
  })
}
