// In compose, uploads on their way in and render scratch must not fill the RAM-backed /tmp: the
// app services take their temp dir (TMPDIR) from a volume, writable by the image's user.
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')

test('core and render write temp files to the scratch volume, not the tmpfs', () => {
  const compose = Bun.YAML.parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as any
  for (const name of ['core', 'render']) {
    const svc = compose.services[name]
    expect(svc.environment.TMPDIR).toBe('/scratch')
    expect(svc.volumes).toContain('scratch:/scratch')
    expect(svc.tmpfs.every((t: string) => !t.startsWith('/scratch'))).toBe(true)
  }
  expect(Object.keys(compose.volumes)).toContain('scratch')
  expect(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8')).toMatch(/chown bun:bun [^\n]*\/scratch/)
})
