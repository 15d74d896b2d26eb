// Local storage as the core uses it: put/get/stat/stream with byte ranges/delete; keys cannot escape.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, type Storage, StorageKeyError } from '../src/storage/storage'

let dir: string
let storage: Storage

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-'))
  storage = createStorage({ kind: 'local', dir })
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('local storage', () => {
  test('put, stat, get, ranged stream, delete', async () => {
    const bytes = new TextEncoder().encode('0123456789')
    const stored = await storage.put('videos/v1/video.mp4', bytes)
    expect(stored).toMatchObject({ key: 'videos/v1/video.mp4', size: 10, contentType: 'video/mp4' })
    expect(await storage.stat('videos/v1/video.mp4')).toMatchObject({ size: 10 })
    expect(new TextDecoder().decode(await storage.get('videos/v1/video.mp4'))).toBe('0123456789')
    expect(await new Response(storage.stream('videos/v1/video.mp4', { start: 2, end: 5 })).text()).toBe('2345')
    expect(await new Response(storage.stream('videos/v1/video.mp4', { start: 7 })).text()).toBe('789')
    await storage.delete('videos/v1/video.mp4')
    expect(await storage.stat('videos/v1/video.mp4')).toBeNull()
  })

  test('putFile copies a local file; toLocalFile answers a readable path', async () => {
    const src = join(dir, 'src.bin')
    await Bun.write(src, 'abc')
    await storage.putFile('a/b.json', src)
    expect(await Bun.file(await storage.toLocalFile('a/b.json', dir)).text()).toBe('abc')
  })

  test.each(['../etc/passwd', '/abs', 'a/../../b', 'a//b', 'a\\b', ''])('refuses key %p', async (key) => {
    await expect(storage.put(key, 'x')).rejects.toBeInstanceOf(StorageKeyError)
  })
})
