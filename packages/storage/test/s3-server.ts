// A real S3-protocol server for the tests: s3rver (Koa, objects on disk), started in this process on
// a free port with one empty bucket. It checks SigV4 signatures, ranges, multipart uploads and
// ListObjectsV2 paging the way S3 does, so Bun.S3Client talks to it unchanged.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import type { S3StorageConfig } from '../src'

export interface S3TestServer {
  config: S3StorageConfig
  /** `METHOD /bucket/key?query` of every request the server received, in order. */
  requests: string[]
  stop(): Promise<void>
}

export async function startS3Server(bucket = 'ytempire-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
  const requests: string[] = []
  // s3rver is a Koa app; its middleware list is composed when it starts listening, so this runs first.
  type Middleware = (ctx: { method: string; path: string; querystring: string }, next: () => Promise<void>) => Promise<void>
  ;(server as unknown as { middleware: Middleware[] }).middleware.unshift(async (ctx, next) => {
    requests.push(`${ctx.method} ${ctx.path}${ctx.querystring ? `?${ctx.querystring}` : ''}`)
    await next()
  })
  const { port } = await server.run()
  return {
    // s3rver's built-in account.
    config: { bucket, endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requests,
    async stop() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
