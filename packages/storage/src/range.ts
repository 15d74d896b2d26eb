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
