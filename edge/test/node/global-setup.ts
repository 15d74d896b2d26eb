import { createServer } from 'node:net'
import type { TestProject } from 'vitest/node'
import { startStubCore } from './stub-core.ts'

/** A port nothing listens on, for "origin down". */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export default async function setup(project: TestProject) {
  const core = await startStubCore()
  project.provide('originUrl', core.url)
  project.provide('sharedSecret', core.sharedSecret)
  project.provide('privateJwk', core.privateJwk)
  project.provide('deadOriginUrl', `http://127.0.0.1:${await closedPort()}`)
  return () => core.close()
}
