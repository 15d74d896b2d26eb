// A seeded fuzz run over every route of the OpenAPI document: malformed paths, queries, headers and
// bodies, anonymous and with every kind of credential. Not one answer may be a 5xx, every error must
// be problem+json, and the core's memory must come back near where it started.
// FUZZ_SEED and FUZZ_REQUESTS reproduce or lengthen a run; a failure names the seed and the request.
import { beforeAll, describe, expect, test } from 'bun:test'
import { type Core, json, signUp, testEnv } from './harness'

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124)
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000)
const WARM_UP = 1_000
const CONCURRENCY = 16
// Generous: a leak of a few KB per request over 10,000 requests, or one request that costs what the
// nested-body bug cost (1.5 GB), is far past these; ordinary allocator slack is not.
// 503s that describe the installation rather than a fault: no Google credentials are configured here.
const DELIBERATE_503 = ['youtube-not-configured', 'youtube-quota']
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024
const RSS_GROWTH_LIMIT = 256 * 1024 * 1024

const env = await testEnv((c) => ({
  ...c,
  // Every class far above the run, so the answers come from the routes rather than from 429s.
  rateLimits: Object.fromEntries(Object.keys(c.rateLimits).map((k) => [k, { limit: 1_000_000, windowSeconds: 60 }])) as typeof c.rateLimits,
}))

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const chance = (p: number) => next() < p
  const uuid = () =>
    [8, 4, 4, 4, 12]
      .map((n) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join(''))
      .join('-')
      .replace(/^(.{14})./, (m) => `${m.slice(0, 14)}4`)
  return { next, int, pick, chance, uuid }
}
type Rnd = ReturnType<typeof prng>

const NASTY_STRINGS = [
  '',
  ' ',
  'a',
  '\u0000',
  'ada\u0000@example.com',
  '\ud800',
  'x\udc00y',
  '\ud83d\ude00',
  '\u202etxt.exe',
  "' or 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '%',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, meant literally
  '${jndi:ldap://x}',
  '{{7*7}}',
  'null',
  'true',
  '-1',
  '1e309',
  '9'.repeat(40),
  'NaN',
  '0x10',
  'ytk_0123456789abcdef_x',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'https://127.0.0.1/hook',
  'http://[::1]:80/',
  'file:///etc/passwd',
  'uploads/../../etc/passwd',
  '2026-13-45T99:99:99Z',
  '\r\nX-Injected: 1',
]
const SEGMENTS = ['not-a-uuid', '%00', '%ED%A0%80', '%', '%2e%2e', '..', '9'.repeat(40), 'x'.repeat(3000), '%F0%9F%98%80', "'", '-1']

function nastyString(r: Rnd): string {
  if (r.chance(0.05)) return r.pick(['x', '\u0000', '\ud800', 'é']).repeat(r.pick([300, 5_000, 100_000]))
  if (r.chance(0.2)) return r.uuid()
  return r.pick(NASTY_STRINGS)
}

function nastyValue(r: Rnd, depth = 0): unknown {
  const roll = r.int(14)
  if (depth > 3 && roll > 9) return null
  switch (roll) {
    case 0:
      return null
    case 1:
      return r.chance(0.5)
    case 2:
      return r.pick([0, -1, 1, 1.5, -0, 2 ** 53 + 1, 2 ** 63, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 60, 10, 1800])
    case 3:
    case 4:
    case 5:
      return nastyString(r)
    case 6:
      return []
    case 7:
      return {}
    case 8:
      return Array.from({ length: r.pick([1, 3, 60, 1_000]) }, () => (r.chance(0.5) ? nastyString(r) : r.int(100)))
    case 9: {
      // Nested past any sane depth, as arrays or as objects.
      const n = r.pick([17, 100, 5_000])
      let v: unknown = 1
      for (let i = 0; i < n; i++) v = r.chance(0.5) ? [v] : { a: v }
      return v
    }
    case 10:
      return { [nastyString(r)]: nastyValue(r, depth + 1), ['k'.repeat(r.pick([1, 1_000]))]: 1 }
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [r.pick(['email', 'name', 'id', '__proto__', 'constructor']), nastyValue(r, depth + 1)]),
      )
  }
}

interface Schema {
  type?: string
  format?: string
  enum?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  pattern?: string
}

/** A value that mostly fits `schema`, so that a mutation of it reaches past the first check. */
function sampleOf(schema: Schema | undefined, r: Rnd, ids: string[], depth = 0): unknown {
  if (!schema || depth > 8) return null
  const branches = schema.anyOf ?? schema.oneOf
  if (branches?.length) return sampleOf(r.pick(branches), r, ids, depth + 1)
  if (schema.enum?.length) return r.pick(schema.enum)
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(schema.properties ?? {}))
        if (schema.required?.includes(key) || r.chance(0.5)) out[key] = sampleOf(child, r, ids, depth + 1)
      return out
    }
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, r.int(3))) }, () =>
        sampleOf(schema.items, r, ids, depth + 1),
      )
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? 0
      const hi = schema.maximum ?? lo + 100
      return lo + r.int(Math.max(1, Math.min(hi - lo, 1000)))
    }
    case 'boolean':
      return r.chance(0.5)
    default: {
      if (schema.format === 'email') return `fuzz.${r.int(1e9)}@example.com`
      if (schema.format === 'uuid') return r.chance(0.5) && ids.length ? r.pick(ids) : r.uuid()
      if (schema.format === 'date-time') return new Date(Date.now() - r.int(1e9)).toISOString()
      if (schema.pattern === '^[0-9]{6}$') return String(r.int(1e6)).padStart(6, '0')
      const length = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 20, 1 + r.int(20)))
      return r.chance(0.2) ? 'https://127.0.0.1/fuzz' : 'fuzz text !'.repeat(Math.ceil(length / 11)).slice(0, length)
    }
  }
}

/** Replaces, removes or adds something somewhere inside `value`. */
function mutate(value: unknown, r: Rnd): unknown {
  if (value === null || typeof value !== 'object' || r.chance(0.15)) return nastyValue(r)
  const container = value as Record<string, unknown>
  const keys = Object.keys(container)
  const roll = r.int(5)
  if (roll === 0 || keys.length === 0) container[r.chance(0.3) ? nastyString(r) : `extra${r.int(5)}`] = nastyValue(r)
  else if (roll === 1) delete container[r.pick(keys)]
  else {
    const key = r.pick(keys)
    container[key] = r.chance(0.5) ? mutate(container[key], r) : nastyValue(r)
  }
  return container
}

const RAW_BODIES = [
  '',
  '{',
  '{"email":',
  '[',
  'null',
  '"just a string"',
  '123',
  '{"a":1,"a":2}',
  '\ufeff{"email":"a@b.co"}',
  `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  'email=a%00b&password=x',
]
// Mostly JSON, so that most bodies reach the validators and the handlers.
const CONTENT_TYPES = [
  ...Array(20).fill('application/json'),
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zzz',
  'multipart/form-data',
  'application/octet-stream',
  'application/xml',
  undefined,
]

interface Operation {
  method: string
  template: string
  query: string[]
  body?: Schema
}

interface Identities {
  member: string
  admin: string
  readKey: string
  writeKey: string
}

function buildRequest(r: Rnd, op: Operation, who: Identities, ids: string[]): { request: Request; label: string } {
  let method = op.method
  if (r.chance(0.04)) method = r.pick(['PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'OPTIONS'])
  const path = op.template.replace(/\{[^}]+\}/g, () =>
    r.chance(0.35) && ids.length ? r.pick(ids) : r.chance(0.4) ? r.uuid() : encodeSegment(r.pick(SEGMENTS)),
  )
  const params: string[] = []
  for (const name of op.query)
    if (r.chance(0.6)) params.push(`${name}=${encodeQuery(r, r.chance(0.5) ? nastyString(r) : String(nastyValue(r)))}`)
  if (r.chance(0.1)) params.push(`${r.pick(['x', 'limit', 'offset', '__proto__', '%00'])}=${encodeQuery(r, nastyString(r))}`)
  if (r.chance(0.05)) params.push(r.pick(['%', '%%', '=&=', 'a[b]=1', 'limit=1&limit=2', '%ED%A0%80=1']))
  const url = `http://localhost${path}${params.length ? `?${params.join('&')}` : ''}`

  const headers = new Headers({ 'x-forwarded-for': `203.0.113.${r.int(250)}` })
  const auth = r.int(10)
  if (auth <= 2) headers.set('authorization', `Bearer ${who.member}`)
  else if (auth === 3) headers.set('authorization', `Bearer ${who.admin}`)
  else if (auth === 4) headers.set('authorization', `Bearer ${who.readKey}`)
  else if (auth === 5) headers.set('authorization', `Bearer ${who.writeKey}`)
  else if (auth === 6)
    headers.set(
      'authorization',
      r.pick(['Bearer ', 'Bearer garbage', 'Basic YTpi', 'Bearer ytk_zz', `Bearer ${who.member}x`, 'bearer  ', 'Bearer a.b.c']),
    )
  if (r.chance(0.1)) headers.set('idempotency-key', r.chance(0.5) ? 'k'.repeat(r.pick([1, 200, 201, 5_000])) : r.uuid())

  let body: string | Uint8Array | undefined
  if (method !== 'GET' && method !== 'HEAD' && (op.body || r.chance(0.3))) {
    const contentType = r.pick(CONTENT_TYPES)
    if (contentType) headers.set('content-type', contentType)
    const roll = r.int(10)
    if (roll === 0) body = r.pick(RAW_BODIES)
    else if (roll === 1) body = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d])
    else if (roll === 2) body = JSON.stringify(nastyValue(r))
    else {
      let value = sampleOf(op.body, r, ids)
      for (let i = 0, n = r.int(3); i < n; i++) value = mutate(value, r)
      body = JSON.stringify(value)
    }
  }
  // What an HTTP client sends with a body, and what the server's size cap reads.
  if (body !== undefined) headers.set('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length))
  const label = `${method} ${url.slice(16, 200)} [${headers.get('content-type') ?? '-'}] ${typeof body === 'string' ? body.slice(0, 120) : body ? '<bytes>' : ''}`
  return { request: new Request(url, { method, headers, body }), label }
}

const encodeSegment = (s: string) => (/%/.test(s) ? s : encodeURIComponent(s))
function encodeQuery(r: Rnd, s: string): string {
  // Mostly encoded as a browser would; sometimes raw, to see how the query parser copes.
  if (r.chance(0.8)) {
    try {
      return encodeURIComponent(s)
    } catch {
      return s.replace(/[\ud800-\udfff]/g, '%ED%A0%80')
    }
  }
  return s.replace(/[#\s]/g, '')
}

let core: Core
let operations: Operation[]
let who: Identities
const ids: string[] = []
let accounts: { member: Awaited<ReturnType<typeof signUp>>; admin: Awaited<ReturnType<typeof signUp>> }

/** The run may sign its own identities out (logout, a role change): sign in again so credentials keep reaching handlers. */
async function keepSignedIn() {
  for (const role of ['member', 'admin'] as const) {
    if ((await core.request('/v1/me', { token: who[role] })).status !== 401) continue
    const { email, password } = accounts[role]
    const login = await core.request('/v1/auth/login', { method: 'POST', json: { email, password } })
    expect(login.status).toBe(200)
    who[role] = (await json(login)).accessToken
  }
}

beforeAll(async () => {
  core = await env.core()
  const admin = await signUp(core)
  const member = await signUp(core)
  accounts = { member, admin }
  const key = async (scopes: string[]) =>
    (await json(await core.request('/v1/api-keys', { method: 'POST', token: member.accessToken, json: { name: 'fuzz', scopes } })))
      .key as string
  who = { member: member.accessToken, admin: admin.accessToken, readKey: await key(['read']), writeKey: await key(['read', 'write']) }
  const channel = await json(
    await core.request('/v1/channels', { method: 'POST', token: member.accessToken, json: { name: 'fuzz', niche: 'x' } }),
  )
  const video = await json(
    await core.request(`/v1/channels/${channel.id}/videos`, {
      method: 'POST',
      token: member.accessToken,
      json: { script: { title: 't', description: 'd', tags: [], scenes: [{ narration: 'n', keywords: ['k'] }] } },
    }),
  )
  ids.push(channel.id, video.id, member.user.id)

  const doc = await json(await core.request('/swagger/json'))
  operations = Object.entries<Record<string, { parameters?: { in: string; name: string }[]; requestBody?: any }>>(doc.paths).flatMap(
    ([template, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema as Schema | undefined,
      })),
  )
})

async function run(seed: number, count: number) {
  const r = prng(seed)
  const statuses = new Map<number, number>()
  const failures: string[] = []
  let peakRss = 0
  for (let i = 0; i < count; i += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, count - i) }, (_, j) => ({
      n: i + j,
      ...buildRequest(r, operations[(i + j) % operations.length]!, who, ids),
    }))
    await Promise.all(
      batch.map(async ({ n, request, label }) => {
        const res = await core.app.handle(request)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        const problem = `seed ${seed} request ${n}: ${res.status} for ${label}`
        if (res.status >= 400) {
          if (!res.headers.get('content-type')?.includes('application/problem+json')) failures.push(`${problem} (not problem+json)`)
          const text = await res.text()
          try {
            const body = JSON.parse(text)
            if (body.status !== res.status || typeof body.type !== 'string' || typeof body.title !== 'string')
              failures.push(`${problem} (problem body ${text.slice(0, 200)})`)
            if (res.status >= 500 && !(res.status === 503 && DELIBERATE_503.some((t) => String(body.type).endsWith(`/${t}`))))
              failures.push(`${problem} (${text.slice(0, 200)})`)
          } catch {
            failures.push(`${problem} (body not JSON: ${text.slice(0, 200)})`)
            if (res.status >= 500) failures.push(problem)
          }
        } else await res.body?.cancel()
      }),
    )
    if (i % 256 === 0) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
      await keepSignedIn()
    }
  }
  return { statuses, failures, peakRss }
}

const settle = () => {
  Bun.gc(true)
  return process.memoryUsage()
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

describe('fuzzing every route of the OpenAPI document', () => {
  test(`${REQUESTS} seeded malformed requests: no 5xx, every error problem+json, memory back near its start`, async () => {
    expect(operations.length).toBeGreaterThan(50)
    // The first requests load code and fill caches; the baseline is taken after them.
    const warm = await run(SEED ^ 0x5eed, WARM_UP)
    expect(warm.failures).toEqual([])
    const before = settle()
    const started = performance.now()
    const { statuses, failures, peakRss } = await run(SEED, REQUESTS)
    const seconds = (performance.now() - started) / 1000
    const after = settle()
    console.log(
      `fuzz: seed ${SEED}, ${REQUESTS} requests over ${operations.length} operations in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ` +
        `heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}, rss ${mb(before.rss)} -> ${mb(after.rss)} (peak sampled ${mb(peakRss)})`,
    )
    expect(failures.slice(0, 20)).toEqual([])
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS)
    // Most answers are refusals, but the run also reached handlers that succeed.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_GROWTH_LIMIT)
    expect(after.rss - before.rss).toBeLessThan(RSS_GROWTH_LIMIT)
  }, 120_000)
})
