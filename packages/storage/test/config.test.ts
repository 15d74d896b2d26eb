// The storage settings both processes read (core serves what render writes, so they must agree).
import { describe, expect, test } from 'bun:test'
import { storageConfigFromEnv } from '../src'

describe('storageConfigFromEnv', () => {
  test('local disk under .data/storage by default, STORAGE_DIR moves it', () => {
    expect(storageConfigFromEnv({})).toEqual({ kind: 'local', dir: '.data/storage' })
    expect(storageConfigFromEnv({ STORAGE_DIR: '/srv/media' })).toEqual({ kind: 'local', dir: '/srv/media' })
  })

  test('S3 when a bucket is set, with every S3_ setting; empty ones count as unset', () => {
    expect(
      storageConfigFromEnv({
        S3_BUCKET: 'media',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_REGION: 'eu-west-1',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_PREFIX: 'prod/',
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'media',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      prefix: 'prod/',
    })
    expect(storageConfigFromEnv({ S3_BUCKET: 'media', S3_ENDPOINT: '' })).toMatchObject({ kind: 's3', endpoint: undefined })
  })

  test('STORAGE_DRIVER wins over the bucket, and says what is wrong', () => {
    expect(storageConfigFromEnv({ STORAGE_DRIVER: 'local', S3_BUCKET: 'media' })).toMatchObject({ kind: 'local' })
    expect(() => storageConfigFromEnv({ STORAGE_DRIVER: 's3' })).toThrow('S3_BUCKET is required')
    expect(() => storageConfigFromEnv({ STORAGE_DRIVER: 'gcs' })).toThrow('STORAGE_DRIVER must be one of local|s3')
  })
})
