import { join } from 'node:path'
import { assertValidKey, type ByteRange, contentTypeForKey, type Storage, type StoredObject } from './storage'

export interface S3StorageConfig {
  bucket: string
  endpoint?: string
  region?: string
  accessKeyId?: string
  secretAccessKey?: string
  /** key prefix inside the bucket */
  prefix?: string
}

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

  async put(key: string, body: Uint8Array | ArrayBuffer | Blob | string, contentType?: string): Promise<StoredObject> {
    const type = contentType ?? contentTypeForKey(key)
    await this.client.write(this.fullKey(key), body, { type })
    return (await this.stat(key)) ?? { key, size: 0, contentType: type, lastModified: new Date() }
  }

  async putFile(key: string, path: string, contentType?: string): Promise<StoredObject> {
    const type = contentType ?? contentTypeForKey(key)
    await this.client.write(this.fullKey(key), Bun.file(path), { type })
    return (await this.stat(key)) ?? { key, size: Bun.file(path).size, contentType: type, lastModified: new Date() }
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await this.client.file(this.fullKey(key)).arrayBuffer())
  }

  async stat(key: string): Promise<StoredObject | null> {
    const full = this.fullKey(key)
    if (!(await this.client.exists(full))) return null
    const s = await this.client.stat(full)
    return { key, size: s.size, contentType: s.type || contentTypeForKey(key), lastModified: s.lastModified }
  }

  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array> {
    const file = this.client.file(this.fullKey(key))
    if (!range) return file.stream()
    return file.slice(range.start, range.end === undefined ? undefined : range.end + 1).stream()
  }

  async delete(key: string): Promise<void> {
    await this.client.delete(this.fullKey(key))
  }

  async toLocalFile(key: string, dir: string): Promise<string> {
    const path = join(dir, key.replaceAll('/', '_'))
    await Bun.write(path, this.client.file(this.fullKey(key)))
    return path
  }
}
