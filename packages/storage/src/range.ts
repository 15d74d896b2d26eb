import type { ByteRange } from './storage'

/** A range as Blob.slice arguments over an object of `size` bytes: [begin, end) clamped to the object. */
export function sliceBounds(range: ByteRange, size: number): [begin: number, end: number] {
  if ('suffix' in range) {
    if (!(range.suffix > 0)) throw new RangeError(`a suffix range needs a positive length, got ${range.suffix}`)
    return [Math.max(0, size - range.suffix), size]
  }
  assertStart(range, size)
  return [range.start, range.end === undefined ? size : Math.min(range.end + 1, size)]
}

export function assertStart(range: { start: number; end?: number }, size?: number): void {
  const { start, end } = range
  if (!Number.isInteger(start) || start < 0 || (size !== undefined && start >= size) || (end !== undefined && end < start))
    throw new RangeError(
      `byte range ${start}-${end ?? ''} does not start inside the object${size === undefined ? '' : ` of ${size} bytes`}`,
    )
}

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
