// `bun run edge`: wrangler dev (Node 22, offline) in front of the core at ORIGIN_URL.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { EDGE_DIR, runNode, WRANGLER } from './node22'

const devVars = resolve(EDGE_DIR, '.dev.vars')
const secret = process.env.EDGE_SHARED_SECRET
if (secret) {
  // Secrets reach `wrangler dev` through .dev.vars (git-ignored), never through wrangler.jsonc.
  writeFileSync(devVars, `EDGE_SHARED_SECRET=${JSON.stringify(secret)}\n`, { mode: 0o600 })
} else if (!existsSync(devVars) || !/^EDGE_SHARED_SECRET=/m.test(readFileSync(devVars, 'utf8'))) {
  console.error(
    'EDGE_SHARED_SECRET is not set. Give the edge and the core the same value, e.g.\n' +
      '  export EDGE_SHARED_SECRET=$(openssl rand -hex 32)\n' +
      'then start the core (`bun run core`) and the edge (`bun run edge`) from that shell.',
  )
  process.exit(1)
}

const args = [WRANGLER, 'dev', '--ip', process.env.EDGE_HOST ?? '127.0.0.1', '--port', process.env.EDGE_PORT ?? '8787']
// Anything set in the environment overrides wrangler.jsonc's vars.
for (const name of ['ORIGIN_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URL', 'CORS_ORIGINS', 'ORIGIN_TIMEOUT_MS', 'MAX_BODY_BYTES']) {
  const value = process.env[name]
  if (value) args.push('--var', `${name}:${value}`)
}
args.push(...process.argv.slice(2))
process.exit(await runNode(args))
