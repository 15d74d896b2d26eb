export interface S3StorageConfig {
  bucket: string
  endpoint?: string
  region?: string
  accessKeyId?: string
  secretAccessKey?: string
  /** key prefix inside the bucket, so several deployments can share one */
  prefix?: string
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
