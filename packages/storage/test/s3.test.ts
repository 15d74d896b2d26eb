// The contract against a real S3-protocol server (s3rver) through Bun.S3Client, plus what only the
// S3 implementation promises: big bodies go up in parts, and a bucket prefix stays invisible.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createStorage, S3Storage } from '../src'
import { runStorageContract } from './contract'
import { type S3TestServer, startS3Server } from './s3-server'

let server: S3TestServer
beforeAll(async () => {
  server = await startS3Server()
})
afterAll(() => server?.stop())

runStorageContract('s3 (s3rver)', () => createStorage({ kind: 's3', ...server.config }))
runStorageContract('s3 under a bucket prefix', () => createStorage({ kind: 's3', ...server.config, prefix: 'tenant-a/' }))

describe('s3 storage', () => {
  test('a stream larger than one part is uploaded as a multipart upload, part by part', async () => {
    const storage = new S3Storage(server.config)
    const mib = new Uint8Array(1 << 20).fill(7)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 12) controller.close()
        else controller.enqueue(mib)
      },
    })
    server.requests.length = 0
    expect((await storage.put('multipart/clip.mp4', body)).size).toBe(12 << 20)
    const upload = server.requests.filter((r) => r.includes('/multipart/clip.mp4'))
    expect(upload.some((r) => r.startsWith('POST') && r.endsWith('?uploads='))).toBe(true)
    expect(upload.filter((r) => r.startsWith('PUT') && r.includes('partNumber=')).length).toBeGreaterThan(1)
  })

  test('a bucket prefix is added on the wire and never shows in keys', async () => {
    const storage = new S3Storage({ ...server.config, prefix: 'deploy-b' })
    server.requests.length = 0
    await storage.put('uploads/u1/a.png', 'png')
    expect(server.requests.some((r) => r.startsWith(`PUT /${server.config.bucket}/deploy-b/uploads/u1/a.png`))).toBe(true)
    const keys = []
    for await (const o of storage.list('uploads/')) keys.push(o.key)
    expect(keys).toEqual(['uploads/u1/a.png'])
    expect(await new S3Storage(server.config).stat('deploy-b/uploads/u1/a.png')).toMatchObject({ size: 3 })
  })
})
