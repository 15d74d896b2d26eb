// Artifact storage shared by the render workers and the core (which serves files with HTTP Range).
import { LocalStorage } from './local'
import { S3Storage, type S3StorageConfig } from './s3'

export interface StoredObject {
  key: string
  size: number
  contentType: string
  lastModified: Date
}

export interface ByteRange {
  /** first byte, inclusive */
  start: number
  /** last byte, inclusive (as in an HTTP Range header); omitted = to the end */
  end?: number
}

export interface Storage {
  readonly kind: 'local' | 's3'
  put(key: string, body: Uint8Array | ArrayBuffer | Blob | string, contentType?: string): Promise<StoredObject>
  /** Uploads a local file without reading it into memory. */
  putFile(key: string, path: string, contentType?: string): Promise<StoredObject>
  get(key: string): Promise<Uint8Array>
  /** null when the object does not exist. */
  stat(key: string): Promise<StoredObject | null>
  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array>
  delete(key: string): Promise<void>
  /**
   * A local path holding the object's bytes, for ffmpeg: local storage answers its own file,
   * remote storage downloads into `dir`.
   */
  toLocalFile(key: string, dir: string): Promise<string>
}

export type StorageConfig = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3StorageConfig)

/** Storage settings from the environment, read the same way by the workers and the core (which serves the files). */
export function storageConfigFromEnv(env: Record<string, string | undefined>): StorageConfig {
  const driver = env.STORAGE_DRIVER || (env.S3_BUCKET ? 's3' : 'local')
  if (driver !== 'local' && driver !== 's3') throw new Error(`STORAGE_DRIVER must be one of local|s3, got ${driver}`)
  if (driver === 'local') return { kind: 'local', dir: env.STORAGE_DIR || '.data/storage' }
  if (!env.S3_BUCKET) throw new Error('S3_BUCKET is required when STORAGE_DRIVER=s3')
  return {
    kind: 's3',
    bucket: env.S3_BUCKET,
    endpoint: env.S3_ENDPOINT || undefined,
    region: env.S3_REGION || undefined,
    accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    prefix: env.S3_PREFIX || undefined,
  }
}

export function createStorage(config: StorageConfig): Storage {
  return config.kind === 's3' ? new S3Storage(config) : new LocalStorage(config.dir)
}

export class StorageKeyError extends Error {
  override name = 'StorageKeyError'
}

/** Keys are relative, slash-separated, without `..` segments: they can never escape the store. */
export function assertValidKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new StorageKeyError(`invalid storage key: ${JSON.stringify(key)}`)
  }
}

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  json: 'application/json',
  ass: 'text/x-ssa',
}

export function contentTypeForKey(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase()
  return contentTypes[ext] ?? 'application/octet-stream'
}
