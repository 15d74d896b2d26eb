// QUEUE_PREFIX unset: a worker takes the installation's namespace from the store, and waits for the
// core to write it when it starts first.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { INSTALLATION_KEY } from '@ytempire/contract'
import { createStorage } from '@ytempire/storage'
import { loadConfig } from '../src/config'
import { withInstallationPrefix } from '../src/installation'
import { silentLog } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'ytempire-installation-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('the namespace follows the installation id the core wrote; an explicit QUEUE_PREFIX wins', async () => {
  const storage = createStorage({ kind: 'local', dir })
  const config = loadConfig({ STORAGE_DIR: dir })
  expect(config.queuePrefixFromInstallation).toBe(true)
  const resolved = withInstallationPrefix(config, storage, silentLog)
  // The core starts later and names the installation.
  await storage.put(INSTALLATION_KEY, JSON.stringify({ id: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' }), 'application/json')
  expect((await resolved).queuePrefix).toBe('ytempire-0b1c2d3e4f50')
  const explicit = loadConfig({ STORAGE_DIR: dir, QUEUE_PREFIX: 'mine' })
  expect((await withInstallationPrefix(explicit, storage, silentLog)).queuePrefix).toBe('mine')
})
