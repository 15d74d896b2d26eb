// SSRF guard: private, loopback, link-local, CGNAT and metadata addresses are refused, directly or
// after a redirect; size and content-type limits hold.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isPublicAddress } from '@ytempire/contract'
import { InvalidInputError, UnsafeUrlError } from '../src/errors'
import { safeDownload } from '../src/visuals/safe-fetch'

let dir: string
let server: ReturnType<typeof Bun.serve>
let origin: string
/** The Host header of every request the server got. */
const hosts: string[] = []
const limits = { maxBytes: 1024, timeoutMs: 5000, accept: ['image/'] }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ssrf-'))
  server = Bun.serve({
    port: 0,
    fetch(req) {
      hosts.push(req.headers.get('host') ?? '')
      const path = new URL(req.url).pathname
      if (path === '/ok.png') return new Response(new Uint8Array(100), { headers: { 'content-type': 'image/png' } })
      if (path === '/big.png') return new Response(new Uint8Array(5000), { headers: { 'content-type': 'image/png' } })
      if (path === '/page') return new Response('<html>', { headers: { 'content-type': 'text/html' } })
      if (path === '/to-metadata') return Response.redirect('http://169.254.169.254/latest/meta-data/', 302)
      if (path === '/to-private') return Response.redirect('http://10.0.0.7/secret.png', 301)
      if (path === '/to-loopback-v6') return Response.redirect('http://[::1]:9/x.png', 307)
      if (path === '/to-ok') return Response.redirect('/ok.png', 302)
      return new Response('nope', { status: 404 })
    },
  })
  origin = `127.0.0.1:${server.port}`
})

afterAll(async () => {
  server.stop(true)
  await rm(dir, { recursive: true, force: true })
})

describe('address classification', () => {
  test.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    // IPv4-mapped and IPv4-translated, even of a public address: a smuggled IPv4 destination
    '::ffff:8.8.8.8',
    '::ffff:0:7f00:1',
    '::ffff:0:808:808',
    '64:ff9b::a00:1',
    // NAT64 for local use (RFC 8215)
    '64:ff9b:1::808:808',
    '64:ff9b:1:ffff::1',
    '3fff::1',
    '2002:7f00:1::1',
    'ff02::1',
  ])('%s is not public', (ip) => expect(isPublicAddress(ip)).toBe(false))

  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808'])('%s is public', (ip) =>
    expect(isPublicAddress(ip)).toBe(true),
  )
})

describe('safeDownload', () => {
  test.each([
    'http://127.0.0.1/x.png',
    'http://10.0.0.1/x.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/x.png',
    'http://[::ffff:127.0.0.1]/x.png',
    'http://0x7f000001/x.png',
  ])('refuses %s before connecting', async (url) => {
    await expect(safeDownload(url, join(dir, 'x'), limits)).rejects.toBeInstanceOf(UnsafeUrlError)
  })

  test('refuses a hostname that resolves to loopback', async () => {
    await expect(safeDownload(`http://localhost:${server.port}/ok.png`, join(dir, 'x'), limits)).rejects.toBeInstanceOf(UnsafeUrlError)
  })

  test('a refusal names the host, never the address it resolved to (no oracle for our DNS)', async () => {
    const err = await safeDownload(`http://localhost:${server.port}/ok.png`, join(dir, 'x'), limits).catch((e) => e)
    expect(err).toBeInstanceOf(UnsafeUrlError)
    expect(err.message).toContain('localhost')
    expect(err.message).not.toMatch(/127\.0\.0\.1|::1/)
    // The logs keep it.
    expect(['127.0.0.1', '::1']).toContain(err.address)
  })

  test('connects to the address it vetted: the host is looked up once per hop, never again by the connection', async () => {
    const lookups: string[] = []
    // A name only this resolver knows: a second lookup by anyone else could not find it.
    const resolve = async (host: string) => {
      lookups.push(host)
      return [{ address: '127.0.0.1', family: 4 as const }]
    }
    const got = await safeDownload(`http://media.invalid:${server.port}/to-ok`, join(dir, 'pinned.png'), {
      ...limits,
      allowPrivateHosts: true,
      resolve,
    })
    expect(got.bytes).toBe(100)
    expect(lookups).toEqual(['media.invalid', 'media.invalid'])
    expect(hosts.at(-1)).toBe(`media.invalid:${server.port}`)
  })

  test('refuses non-http schemes', async () => {
    await expect(safeDownload('file:///etc/passwd', join(dir, 'x'), limits)).rejects.toBeInstanceOf(UnsafeUrlError)
  })

  test.each(['/to-metadata', '/to-private', '/to-loopback-v6'])('refuses a redirect %s to a private address', async (path) => {
    await expect(safeDownload(`http://${origin}${path}`, join(dir, 'x'), { ...limits, allowHosts: [origin] })).rejects.toBeInstanceOf(
      UnsafeUrlError,
    )
  })

  test('follows a redirect that stays on an allowed origin and downloads', async () => {
    const got = await safeDownload(`http://${origin}/to-ok`, join(dir, 'ok.png'), { ...limits, allowHosts: [origin] })
    expect(got.bytes).toBe(100)
    expect(got.contentType).toBe('image/png')
    expect(Bun.file(join(dir, 'ok.png')).size).toBe(100)
  })

  test('enforces the size limit and the content type', async () => {
    await expect(safeDownload(`http://${origin}/big.png`, join(dir, 'big'), { ...limits, allowHosts: [origin] })).rejects.toThrow(
      /too large/,
    )
    await expect(safeDownload(`http://${origin}/page`, join(dir, 'page'), { ...limits, allowHosts: [origin] })).rejects.toBeInstanceOf(
      InvalidInputError,
    )
  })
})
