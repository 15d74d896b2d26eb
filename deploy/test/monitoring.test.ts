// The deployment files checked by the tools that will read them: promtool (config, rules, rule unit
// tests), amtool, PostgreSQL (the Costs dashboard's SQL), and a YAML parse of docker-compose.yml with
// the cross-references between files. Every metric a rule or a panel uses must be documented in
// docs/metrics.md, and every one documented as exported must really be exported today.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_RETRY, PIPELINE } from '@ytempire/contract'
import { closePipelineQueues, pipelineQueue, readQueueFigures, stageJobOptions } from '@ytempire/contract/queue'
import { duplicateRedis } from '@ytempire/contract/redis'
import { deleteRedisPrefix, waitUntil } from '@ytempire/test-support'
import postgres from 'postgres'
import { migrateDatabase, openDatabase } from '../../core/src/db'
import { freePort } from '../../core/src/infra/local-redis'
import { type Core, createTestDatabase, REDIS_URL, type TestDb, testEnv } from '../../core/test/harness'
import { backupMetrics } from '../../scripts/pgbackrest'

const ROOT = resolve(import.meta.dir, '../..')
const env = await testEnv()
const at = (...p: string[]) => join(ROOT, ...p)
const read = (...p: string[]) => readFileSync(at(...p), 'utf8')
const yaml = (...p: string[]) => Bun.YAML.parse(read(...p)) as any

function tool(cmd: string[]) {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  return { ok: r.success, out: r.stdout.toString() + r.stderr.toString() }
}

const rules = yaml('deploy/prometheus/rules/ytempire.yml') as {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[]
}
const allRules = rules.groups.flatMap((g) => g.rules)
const dashboards = readdirSync(at('deploy/grafana/dashboards')).map((f) => ({
  file: f,
  json: JSON.parse(read('deploy/grafana/dashboards', f)),
}))
const targets = dashboards.flatMap((d) =>
  d.json.panels.flatMap((p: any) => p.targets.map((t: any) => ({ dashboard: d.file, panel: p.title, ...t }))),
)
const promTargets = targets.filter((t) => t.datasource.type === 'prometheus')
const sqlTargets = targets.filter((t) => t.datasource.type === 'grafana-postgresql-datasource')

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '')
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan'])
  const names: string[] = []
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart()
    // Not a function call, a keyword, or the unit of a duration or number (1h, 1e9).
    if (after.startsWith('(') || keywords.has(m[0].toLowerCase()) || /[\d.]/.test(stripped[m.index! - 1] ?? '')) continue
    names.push(m[0])
  }
  return names
}

describe('Prometheus and Alertmanager', () => {
  test('promtool accepts the config and the rules', () => {
    for (const cmd of [
      ['promtool', 'check', 'config', 'deploy/prometheus/prometheus.yml'],
      ['promtool', 'check', 'rules', 'deploy/prometheus/rules/ytempire.yml'],
    ]) {
      const r = tool(cmd)
      expect(r.out).toContain('SUCCESS')
      expect(r.ok).toBe(true)
    }
  })

  test('every alert fires in the rule unit tests, and the unit tests pass', () => {
    const tests = yaml('deploy/prometheus/tests/alerts.test.yml') as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[]
    }
    const fired = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length).map((a) => a.alertname)))
    const alerts = allRules.flatMap((r) => (r.alert ? [r.alert] : []))
    expect(alerts.length).toBeGreaterThanOrEqual(20)
    expect(alerts.filter((a) => !fired.has(a))).toEqual([])
    const r = tool(['promtool', 'test', 'rules', 'deploy/prometheus/tests/alerts.test.yml'])
    expect(r.out).toContain('SUCCESS')
    expect(r.ok).toBe(true)
  })

  test('the seed areas each have an alert: API errors and p95, queue age, dead letters, workers, quota, backups, disk', () => {
    const alerts = allRules.filter((r) => r.alert)
    const uses = (metric: string) =>
      alerts.some((a) => a.expr.includes(metric) || allRules.some((r) => r.record && a.expr.includes(r.record) && r.expr.includes(metric)))
    for (const metric of [
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'ytempire_queue_oldest_job_age_seconds',
      'ytempire_dead_letters',
      'up{job="render"}',
      'ytempire_youtube_quota_remaining',
      'ytempire_backup_last_success_timestamp_seconds',
      'node_filesystem_avail_bytes',
    ])
      expect(uses(metric)).toBe(true)
  })

  test('amtool accepts the Alertmanager config', () => {
    if (!Bun.which('amtool')) {
      console.warn('[ops] amtool not installed (apt-get install prometheus-alertmanager): Alertmanager config not checked')
      return
    }
    const r = tool(['amtool', 'check-config', 'deploy/alertmanager/alertmanager.yml'])
    expect(r.out).toContain('SUCCESS')
    expect(r.ok).toBe(true)
  })
})

describe('metric names', () => {
  const doc = read('docs/metrics.md')
  const documented = (name: string) => {
    const base = name.replace(/_(bucket|count|sum)$/, '')
    if (doc.includes(`\`${name}\``) || doc.includes(`\`${base}\``)) return true
    // Prefix entries (`process_*`) count only in the tables, not in the prose around them.
    return doc
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .some((l) => [...l.matchAll(/`([a-z_]+)\*`/g)].some((m) => name.startsWith(m[1]!)))
  }

  // The real /metrics of a core and of a render worker process, after the worker failed a video for good.
  let core: Core
  let worker: ReturnType<typeof Bun.spawn> | undefined
  let workerMetricsUrl: string
  let coreText = ''
  let workerText = ''
  beforeAll(async () => {
    core = await env.core((c) => c, { defaultMetrics: true })
    const port = await freePort()
    workerMetricsUrl = `http://127.0.0.1:${port}/metrics`
    worker = Bun.spawn(['bun', at('render/src/main.ts')], {
      env: {
        ...process.env,
        REDIS_URL,
        QUEUE_PREFIX: env.config.queuePrefix,
        STORAGE_DIR: env.storageDir,
        RENDER_METRICS_PORT: String(port),
        LOG_LEVEL: 'fatal',
        OPENAI_API_KEY: '',
        OPENAI_BASE_URL: '',
      },
      stdout: 'inherit',
      stderr: 'inherit',
    })
    // No script and no LLM: the script stage refuses it for good, and the video is dead-lettered.
    await core.deps.pipeline.dispatch({
      videoId: crypto.randomUUID(),
      userId: crypto.randomUUID(),
      channelId: crypto.randomUUID(),
      plan: 'free',
      targetSeconds: 10,
      language: 'en',
      voice: {},
      visualSource: 'generated',
      captionStyle: 'none',
      aspect: '16:9',
    })
    workerText = await waitUntil(
      async () => {
        const text = await fetch(workerMetricsUrl).then(
          (r) => r.text(),
          () => '',
        )
        return /^ytempire_dead_letters 1$/m.test(text) && text
      },
      { what: 'the worker to dead-letter the video', timeoutMs: 30_000, intervalMs: 100 },
    )
    coreText = await (await core.request('/metrics')).text()
  }, 60_000)
  afterAll(async () => {
    worker?.kill('SIGTERM')
    await worker?.exited
  })

  /** Every name a /metrics text declares (`# TYPE`), histograms with their series. */
  const declared = (text: string) => {
    const names = new Set<string>()
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name!)
      if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(name! + s)
    }
    return names
  }
  const exported = () => {
    const names = new Set([...declared(coreText), ...declared(workerText)])
    const backup = backupMetrics(
      {
        stanza: 'ytempire',
        status: { code: 0, message: 'ok' },
        repos: [],
        backups: [{ label: 'x', type: 'full', repo: 1, start: 0, stop: 1, repoSize: 1, full: 'x' }],
        archive: [],
      },
      { at: 1, ok: true },
    )
    for (const m of backup.matchAll(/^(ytempire_\w+)[{ ]/gm)) names.add(m[1]!)
    return names
  }

  test('every metric a rule or a panel uses is documented in docs/metrics.md', () => {
    const recorded = new Set(allRules.flatMap((r) => (r.record ? [r.record] : [])))
    const used = new Set([...allRules.map((r) => r.expr), ...promTargets.map((t) => t.expr)].flatMap(metricNames))
    expect(used.has('http_request_duration_seconds_count')).toBe(true)
    expect(documented('ytempire_not_a_metric')).toBe(false)
    expect([...used].filter((n) => n !== 'up' && !recorded.has(n) && !documented(n))).toEqual([])
  })

  test('every metric docs/metrics.md lists is in the real /metrics of the core or a worker (or the backup schedule), with its labels', () => {
    const names = exported()
    const rows = doc.split('\n').filter((l) => /^\|\s*`/.test(l) && /\|\s*exported\s*\|/.test(l))
    expect(doc).not.toMatch(/\|\s*contract\s*\|/)
    const listed = rows.map((l) => l.match(/`([a-z_:*]+)`/)![1]!).filter((n) => !n.endsWith('*'))
    expect(listed.length).toBeGreaterThan(20)
    expect(listed.filter((n) => !names.has(n))).toEqual([])
    // Each listed label is on the samples (labelled series appear once they have a value).
    const text = `${coreText}\n${workerText}`
    for (const row of rows) {
      const [name, labelCell] = [row.match(/`([a-z_:*]+)`/)![1]!, (row.split('|')[3] ?? '').replace(/\([^)]*\)/g, '')]
      const labels = [...labelCell.matchAll(/(?:^|,)\s*`([a-z_]+)`/g)].map((m) => m[1]!)
      const sample = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name}_bucket{`))
      if (!labels.length || !sample || name.startsWith('ytempire_backup')) continue
      for (const label of labels) expect(`${name}: ${sample.includes(`${label}="`)}`).toBe(`${name}: true`)
    }
    // And whatever the rules and dashboards use under an exported prefix exists too.
    const used = [...allRules.map((r) => r.expr), ...promTargets.map((t) => t.expr)].flatMap(metricNames)
    const prefixes = rows.flatMap((l) => [...l.matchAll(/`([a-z_]+)\*`/g)].map((m) => m[1]!))
    expect(prefixes).toContain('process_')
    expect(used.filter((n) => prefixes.some((p) => n.startsWith(p)) && !names.has(n))).toEqual([])
  })

  test('the worker counts the failure by its cause, and reads the queues: the dead letter, its age, the empty stages', () => {
    expect(workerText).toMatch(/^ytempire_render_failures_total\{stage="script",reason="InvalidInputError"\} 1$/m)
    expect(workerText).toMatch(/^ytempire_queue_waiting_jobs\{queue="dead-letter"\} 1$/m)
    expect(workerText).toMatch(/^ytempire_queue_waiting_jobs\{queue="script"\} 0$/m)
    expect(workerText).toMatch(/^ytempire_queue_active_jobs\{queue="render"\} 0$/m)
    const age = Number(workerText.match(/^ytempire_queue_oldest_job_age_seconds\{queue="dead-letter"\} (\S+)$/m)?.[1])
    expect(age).toBeGreaterThan(0)
    expect(age).toBeLessThan(60)
    expect(workerText).toMatch(/^ytempire_queue_oldest_job_age_seconds\{queue="script"\} 0$/m)
  })

  test('the core reports the YouTube quota of every bucket', () => {
    const { quotaBuckets } = env.config.youtube
    expect(Object.keys(quotaBuckets).length).toBeGreaterThan(0)
    for (const [bucket, limit] of Object.entries(quotaBuckets)) {
      expect(coreText).toContain(`ytempire_youtube_quota_limit{bucket="${bucket}"} ${limit}`)
      expect(coreText).toContain(`ytempire_youtube_quota_remaining{bucket="${bucket}"} ${limit}`)
    }
  })

  test("the oldest waiting job is found across the plans' priorities (a free video waits behind premium ones)", async () => {
    const connection = duplicateRedis(core.deps.redis, 'figures', { maxRetriesPerRequest: null })
    const prefix = `${env.config.queuePrefix}-figures`
    try {
      const queue = pipelineQueue(connection, PIPELINE.spec.voice.queue, prefix)
      const free = await queue.add('voice', {}, stageJobOptions('free', DEFAULT_RETRY))
      await Bun.sleep(20)
      await queue.add('voice', {}, stageJobOptions('premium', DEFAULT_RETRY))
      await queue.add('voice', {}, { ...stageJobOptions('pro', DEFAULT_RETRY), delay: 60_000 })
      const voice = (await readQueueFigures(connection, prefix)).find((f) => f.queue === 'voice')!
      expect(voice.waiting).toBe(3)
      expect(voice.oldestWaitingAt).toBe(free.timestamp)
    } finally {
      await closePipelineQueues(connection)
      await deleteRedisPrefix(connection, `${prefix}:`)
      connection.disconnect()
    }
  })
})

describe('Grafana', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ytempire-grafana-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  test('dashboards: API, pipeline, YouTube and costs, with unique ids and provisioned data sources', () => {
    const uids = dashboards.map((d) => d.json.uid)
    expect(uids.sort()).toEqual(['ytempire-api', 'ytempire-costs', 'ytempire-pipeline', 'ytempire-youtube'])
    const sources = yaml('deploy/grafana/provisioning/datasources/ytempire.yml').datasources as { uid: string; type: string }[]
    for (const t of targets) expect(sources.some((s) => s.uid === t.datasource.uid && s.type === t.datasource.type)).toBe(true)
    for (const d of dashboards) {
      const ids = d.json.panels.map((p: any) => p.id)
      expect(new Set(ids).size).toBe(ids.length)
    }
    const provider = yaml('deploy/grafana/provisioning/dashboards/ytempire.yml').providers[0]
    const compose = yaml('docker-compose.yml')
    expect(compose.services.grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`)
  })

  test('every Prometheus panel query is valid PromQL', () => {
    // promtool parses each expression as a recording rule ($__rate_interval is Grafana's; 1m stands in).
    const file = join(dir, 'panels.yml')
    const groups = [
      {
        name: 'panels',
        rules: promTargets.map((t, i) => ({ record: `panel:check:${i}`, expr: t.expr.replaceAll('$__rate_interval', '1m') })),
      },
    ]
    writeFileSync(file, JSON.stringify({ groups }))
    const r = tool(['promtool', 'check', 'rules', file])
    expect(r.out).toContain(`SUCCESS: ${promTargets.length} rules found`)
  })

  describe('the Costs dashboard', () => {
    let db: TestDb
    beforeAll(async () => {
      db = await createTestDatabase()
      const database = await openDatabase({ url: db.url, dataDir: '/tmp', poolMax: 1 })
      await migrateDatabase(database)
      await database.close()
    })
    afterAll(async () => db?.drop())

    test('runs its SQL against the migrated schema', async () => {
      expect(sqlTargets.length).toBeGreaterThanOrEqual(5)
      const sql = postgres(db.url, { max: 1, onnotice: () => {} })
      try {
        for (const t of sqlTargets) {
          const query = (t.rawSql as string).replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN now() - interval '30 days' AND now()")
          const result = await sql.unsafe(query)
          if (t.format === 'time_series') expect(result.columns.map((c) => c.name)).toEqual(['time', 'metric', 'value'])
        }
      } finally {
        await sql.end()
      }
    })
  })
})

describe('docker-compose.yml', () => {
  const compose = yaml('docker-compose.yml')
  const services = compose.services as Record<string, any>
  const inProfile = (p: string) => Object.keys(services).filter((s) => services[s].profiles?.includes(p))

  test('parses, and every reference points at something that exists', () => {
    for (const [name, svc] of Object.entries(services)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {})
      for (const d of deps) expect(services[d] ? `${name} -> ${d}` : `${name} -> missing ${d}`).toBe(`${name} -> ${d}`)
      for (const v of svc.volumes ?? []) {
        const source = String(v).split(':')[0]!
        if (source.startsWith('./')) expect(existsSync(at(source))).toBe(true)
        else if (!source.startsWith('/')) expect(Object.keys(compose.volumes)).toContain(source)
      }
      if (svc.build) {
        const dockerfile = read(typeof svc.build === 'string' ? join(svc.build, 'Dockerfile') : svc.build.dockerfile)
        for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
          for (const src of m[1]!.split(' ')) expect(existsSync(at(src))).toBe(true)
      }
    }
    expect(existsSync(at('deploy/pgbackrest/repo2.env.example'))).toBe(true)
    expect(read('.gitignore')).toContain('deploy/pgbackrest/repo2.env')
  })

  test('backups: PostgreSQL archives WAL to the stanza pgbackrest.conf defines, and the schedule runs by default', () => {
    const conf = read('deploy/pgbackrest/pgbackrest.conf')
    const command = services.postgres.command.join(' ')
    expect(command).toContain('archive_mode=on')
    expect(command).toContain('archive_command=pgbackrest --stanza=ytempire archive-push %p')
    expect(command).toContain('archive_timeout=60')
    expect(conf).toContain('[ytempire]')
    expect(conf).toContain('repo1-cipher-type=aes-256-cbc')
    expect(conf).not.toMatch(/cipher-pass\s*=/)
    expect(services.pgbackrest.profiles).toBeUndefined()
    expect(services.pgbackrest.command).toEqual(['bun', 'scripts/backup.ts', 'schedule', '--local'])
    for (const s of ['postgres', 'pgbackrest'])
      expect(services[s].environment.PGBACKREST_REPO1_CIPHER_PASS).toContain('PGBACKREST_CIPHER_PASS:?')
    // The schedule's figures reach Prometheus through node_exporter's textfile collector.
    const textfileDir = services['node-exporter'].command
      .find((c: string) => c.startsWith('--collector.textfile.directory='))!
      .split('=')[1]
    expect(services['node-exporter'].volumes).toContain(`backup-metrics:${textfileDir}:ro`)
    expect(services.pgbackrest.volumes).toContain(`backup-metrics:${services.pgbackrest.environment.BACKUP_METRICS_DIR}`)
  })

  test('monitoring: Prometheus scrapes the ports the core and the workers listen on', () => {
    expect(inProfile('monitoring').sort()).toEqual([
      'alertmanager',
      'grafana',
      'node-exporter',
      'postgres-exporter',
      'prometheus',
      'redis-exporter',
    ])
    const prom = yaml('deploy/prometheus/prometheus.yml')
    const job = (name: string) => prom.scrape_configs.find((j: any) => j.job_name === name)
    expect(job('core').dns_sd_configs[0]).toMatchObject({ names: ['core'], port: Number(services.core.environment.PORT) })
    expect(job('render').dns_sd_configs[0]).toMatchObject({
      names: ['render'],
      port: Number(services.render.environment.RENDER_METRICS_PORT),
    })
    // Metrics and the readiness probe stay inside: nginx answers 404 for them (and for the workers' /internal/).
    const nginx = read('deploy/nginx.conf')
    for (const path of ['/metrics', '/ready']) expect(nginx).toMatch(new RegExp(`location = ${path} \\{\\s*return 404;`))
    expect(nginx).toMatch(/location \/internal\/ \{\s*return 404;/)
  })

  test('every service runs as a non-root user with no capabilities and no new privileges, on a read-only root (Grafana excepted, as the README says)', () => {
    const WRITABLE_ROOT = ['grafana']
    for (const [name, svc] of Object.entries(services)) {
      const user = String(svc.user ?? '')
      // Set in the file, not left to the image: an image's default can change under us.
      expect(`${name}: user ${user}`).toMatch(new RegExp(`^${name}: user (?!root$|0$|0:)\\S+$`))
      expect(`${name}: cap_drop ${svc.cap_drop}`).toBe(`${name}: cap_drop ALL`)
      expect(`${name}: cap_add ${svc.cap_add ?? 'none'}`).toBe(`${name}: cap_add none`)
      expect(`${name}: ${svc.security_opt}`).toBe(`${name}: no-new-privileges:true`)
      expect(`${name}: privileged ${svc.privileged ?? false}`).toBe(`${name}: privileged false`)
      expect(`${name}: read_only ${svc.read_only ?? false}`).toBe(`${name}: read_only ${!WRITABLE_ROOT.includes(name)}`)
    }
    const readme = read('README.md')
    expect(readme).toContain('non-root users, read-only root filesystems and dropped capabilities')
    for (const name of WRITABLE_ROOT) expect(readme).toMatch(new RegExp(`${name}[^.]*writable root`, 'i'))
  })

  test('what a read-only service writes has a volume or a tmpfs: PostgreSQL and pgBackRest, nginx, the apps', () => {
    const writable = (svc: any) => [
      ...(svc.tmpfs ?? []).map((t: string) => t.split(':')[0]),
      ...(svc.volumes ?? []).filter((v: string) => !String(v).endsWith(':ro')).map((v: string) => String(v).split(':')[1]),
    ]
    const conf = read('deploy/pgbackrest/pgbackrest.conf')
    const pgbackrestPaths = ['log-path', 'spool-path', 'repo1-path'].map((k) => conf.match(new RegExp(`^${k}=(.+)$`, 'm'))![1]!)
    // Its lock files: lock-path, /tmp/pgbackrest unless the file says otherwise.
    expect(conf).not.toMatch(/^lock-path=/m)
    for (const path of [...pgbackrestPaths, '/tmp', '/var/lib/postgresql/data', '/var/run/postgresql'])
      expect(`postgres writes ${path}: ${writable(services.postgres).some((w: string) => path.startsWith(w))}`).toBe(
        `postgres writes ${path}: true`,
      )
    for (const path of ['/var/log/pgbackrest', '/var/lib/pgbackrest', '/tmp', services.pgbackrest.environment.BACKUP_METRICS_DIR])
      expect(`pgbackrest writes ${path}: ${writable(services.pgbackrest).includes(path)}`).toBe(`pgbackrest writes ${path}: true`)
    for (const path of ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'])
      expect(writable(services['postgres-replica'])).toContain(path)
    expect(writable(services.nginx)).toEqual(expect.arrayContaining(['/tmp', '/var/cache/nginx']))
    for (const s of ['redis', 'redis-primary', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'])
      expect(writable(services[s])).toContain('/data')
    for (const s of ['core', 'render']) expect(writable(services[s])).toEqual(expect.arrayContaining(['/tmp', '/data', '/scratch']))
  })

  test('sentinel: one primary, one replica, three sentinels with a quorum of two on the name the apps use', () => {
    const group = inProfile('sentinel')
    expect(group.filter((s) => services[s].command.join(' ').includes('redis-sentinel'))).toHaveLength(3)
    expect(group.filter((s) => services[s].command.includes('--replicaof'))).toEqual(['redis-replica'])
    expect(group.filter((s) => services[s].command[0] === 'redis-server' && !services[s].command.includes('--replicaof'))).toEqual([
      'redis-primary',
    ])
    const sentinel = read('deploy/redis/sentinel.conf')
    const name = services.core.environment.REDIS_SENTINEL_NAME.match(/:-(\w+)\}/)[1]
    expect(sentinel).toContain(`sentinel monitor ${name} redis-primary 6379 2`)
  })

  test('replica: a streaming standby of the primary', () => {
    expect(inProfile('replica')).toEqual(['postgres-replica'])
    const script = services['postgres-replica'].command.join('\n')
    expect(script).toContain('pg_basebackup -h postgres')
    expect(script).toContain('-R -X stream')
    expect(read('deploy/postgres/initdb/10-replication.sh')).toContain('host replication all all scram-sha-256')
  })
})
