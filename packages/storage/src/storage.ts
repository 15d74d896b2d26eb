// Artifact storage shared by the render workers (which write) and the core (which serves files with
// HTTP Range, lists and erases a user's objects). Every implementation passes test/contract.ts.

export interface StoredObject {
  key: string
  size: number
  contentType: string
  lastModified: Date
}

/** What a listing knows without one request per object: S3 listings carry no content type. */
export type ListedObject = Omit<StoredObject, 'contentType'>

/**
 * Bytes of one object. `{ start, end? }`: from `start` through `end` inclusive (as in an HTTP Range
 * header), to the end when `end` is omitted, and clamped to the end when past it. `{ suffix }`: the
 * last `suffix` bytes. A range must start inside the object; the caller checks against `stat`.
 */
export type ByteRange = { start: number; end?: number } | { suffix: number }

/** What `put` accepts. A stream is written as it arrives, never held whole. */
export type StorageBody = Uint8Array | ArrayBuffer | Blob | string | ReadableStream<Uint8Array>

export interface Storage {
  readonly kind: 'local' | 's3'
  /** Replaces the object whole: a reader sees the old bytes or the new ones, never a mix. */
  put(key: string, body: StorageBody, contentType?: string): Promise<StoredObject>
  /** Uploads a local file without reading it into memory. */
  putFile(key: string, path: string, contentType?: string): Promise<StoredObject>
  /** The whole object in memory (scripts, timing tracks); ObjectNotFoundError when missing. */
  get(key: string): Promise<Uint8Array>
  /** null when the object does not exist. */
  stat(key: string): Promise<StoredObject | null>
  /** The stream fails with ObjectNotFoundError when the object is missing. */
  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array>
  /** Nothing happens when the object is already gone. */
  delete(key: string): Promise<void>
  /** Deletes every object under `prefix` (a folder, ending in `/`); answers how many went. */
  deletePrefix(prefix: string): Promise<number>
  /** Every object under `prefix` (a folder, ending in `/`), however many; order not specified. */
  list(prefix: string): AsyncIterable<ListedObject>
  /**
   * A local path holding the object's bytes, for ffmpeg: local storage answers its own file (read
   * it, never change it), remote storage downloads into `dir`. ObjectNotFoundError when missing.
   */
  toLocalFile(key: string, dir: string): Promise<string>
}
