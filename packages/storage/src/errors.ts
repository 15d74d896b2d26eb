/** A key or prefix that breaks the rules in keys.ts; a caller's mistake, never retried. */
export class StorageKeyError extends Error {
  override name = 'StorageKeyError'
}

/** The object does not exist (get, stream, toLocalFile; stat answers null instead). */
export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError'
  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`no stored object at ${JSON.stringify(key)}`, options)
  }
}
