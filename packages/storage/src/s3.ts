import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { S3StorageConfig } from './config'
import { deferredStream } from './deferred-stream'
import { ObjectNotFoundError } from './errors'
import { assertValidKey, assertValidPrefix, contentTypeForKey } from './keys'
import { assertStart, sliceBounds } from './range'
import type { ByteRange, ListedObject, Storage, StorageBody, StoredObject } from './storage'

/** How many deletes run at once when a prefix is erased (S3 has a batch delete; Bun's client does not). */
const DELETE_CONCURRENCY = 8

const s3Code = (err: unknown) => (err as { code?: string } | null)?.code

/** Bun's client adds `;charset=utf-8` to text-like types it sends (application/json too); callers get back the type they gave. */
const asGiven = (type: string) => type.replace(/;\s*charset=utf-8$/i, '')

/** Any S3-compatible store (AWS, R2, MinIO) through Bun's built-in client. */
export class S3Storage implements Storage {
  readonly kind = 's3' as const
  private readonly client: Bun.S3Client
  private readonly prefix: string

  constructor(config: S3StorageConfig) {
    this.client = new Bun.S3Client({
      bucket: config.bucket,
      endpoint: config.endpoint,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
    })
    this.prefix = config.prefix ? `${config.prefix.replace(/\/+$/, '')}/` : ''
  }

  private fullKey(key: string): string {
    assertValidKey(key)
    return this.prefix + key
  }

  private notFound(key: string) {
    return (err: unknown) => (s3Code(err) === 'NoSuchKey' ? new ObjectNotFoundError(key, { cause: err }) : err)
  }

  async put(key: string, body: StorageBody, contentType?: string): Promise<StoredObject> {
    // A Response over a stream makes Bun upload it in parts as it arrives, never whole.
    await this.client.write(this.fullKey(key), body instanceof ReadableStream ? new Response(body) : body, {
      type: contentType ?? contentTypeForKey(key),
    })
    return this.statOrThrow(key)
  }

  async putFile(key: string, path: string, contentType?: string): Promise<StoredObject> {
    await this.client.write(this.fullKey(key), Bun.file(path), { type: contentType ?? contentTypeForKey(key) })
    return this.statOrThrow(key)
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await this.client.file(this.fullKey(key)).bytes()
    } catch (err) {
      throw this.notFound(key)(err)
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await this.client.stat(this.fullKey(key))
      return { key, size: s.size, contentType: asGiven(s.type) || contentTypeForKey(key), lastModified: s.lastModified }
    } catch (err) {
      if (s3Code(err) === 'NoSuchKey') return null
      throw err
    }
  }

  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array> {
    const file = this.client.file(this.fullKey(key))
    return deferredStream(
      async () => {
        if (!range) return file.stream()
        // Bun's client cannot ask for a suffix range (a negative slice), so the size is needed first.
        if ('suffix' in range) {
          const s = await this.stat(key)
          if (!s) throw new ObjectNotFoundError(key)
          return file.slice(...sliceBounds(range, s.size)).stream()
        }
        assertStart(range)
        return file.slice(range.start, range.end === undefined ? undefined : range.end + 1).stream()
      },
      (err) => {
        if (s3Code(err) === 'InvalidRange') return new RangeError(`byte range does not start inside ${JSON.stringify(key)}`, { cause: err })
        return this.notFound(key)(err)
      },
    )
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(this.fullKey(key))
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0
    const pending = new Set<Promise<void>>()
    for await (const { key } of this.list(prefix)) {
      const p = this.delete(key).finally(() => pending.delete(p))
      pending.add(p)
      count++
      if (pending.size >= DELETE_CONCURRENCY) await Promise.race(pending)
    }
    await Promise.all(pending)
    return count
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix)
    let continuationToken: string | undefined
    do {
      const page = await this.client.list({ prefix: this.prefix + prefix, continuationToken })
      for (const o of page.contents ?? []) {
        yield { key: o.key.slice(this.prefix.length), size: o.size ?? 0, lastModified: new Date(o.lastModified ?? 0) }
      }
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined
    } while (continuationToken)
  }

  async toLocalFile(key: string, dir: string): Promise<string> {
    const file = this.client.file(this.fullKey(key))
    const path = join(dir, key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${crypto.randomUUID()}.partial`
    try {
      await Bun.write(tmp, file)
      await rename(tmp, path)
      return path
    } catch (err) {
      await rm(tmp, { force: true })
      throw this.notFound(key)(err)
    }
  }

  private async statOrThrow(key: string): Promise<StoredObject> {
    const stored = await this.stat(key)
    // Only a concurrent delete between the write and the stat gets here.
    if (!stored) throw new ObjectNotFoundError(key)
    return stored
  }
}
