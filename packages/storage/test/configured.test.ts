// The contract against whatever store the environment configures (STORAGE_DRIVER, STORAGE_DIR, S3_*),
// e.g. a real bucket before trusting it with a deployment. Off unless STORAGE_CONTRACT=1. It writes
// only under one random `contract-<uuid>/` folder and erases it at the end.
import { describe, test } from 'bun:test'
import { createStorage, storageConfigFromEnv } from '../src'
import { runStorageContract } from './contract'

if (process.env.STORAGE_CONTRACT === '1') {
  const config = storageConfigFromEnv(process.env)
  runStorageContract(`configured ${config.kind} store`, () => createStorage(config))
} else {
  describe('configured store', () => {
    test.skip('set STORAGE_CONTRACT=1 (and STORAGE_DRIVER/S3_*) to run the contract against it', () => {})
  })
}
