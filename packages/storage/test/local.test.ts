// The contract against the local disk, plus what only the disk implementation promises.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, LocalStorage } from '../src'
import { runStorageContract } from './contract'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-local-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

runStorageContract('local disk', () => createStorage({ kind: 'local', dir: join(dir, 'contract') }))

describe('local storage', () => {
  test('keys are plain files under the directory, which the core can serve or back up as is', async () => {
    const storage = new LocalStorage(join(dir, 'plain'))
    await storage.put('videos/v1/video.mp4', 'bytes')
    expect(await Bun.file(join(dir, 'plain/videos/v1/video.mp4')).text()).toBe('bytes')
    expect(await storage.toLocalFile('videos/v1/video.mp4', '/unused')).toBe(join(dir, 'plain/videos/v1/video.mp4'))
  })

  test('a failed write leaves neither the object nor a half-written file', async () => {
    const storage = new LocalStorage(join(dir, 'failed'))
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('half'))
        controller.error(new Error('source died'))
      },
    })
    await expect(storage.put('videos/v1/video.mp4', failing)).rejects.toThrow('source died')
    expect(await storage.stat('videos/v1/video.mp4')).toBeNull()
    expect(await readdir(join(dir, 'failed/videos/v1'))).toEqual([])
  })
})
