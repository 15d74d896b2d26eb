// `bun run bench`: every benchmark, printing figures (never asserted in tests).
import { existsSync } from 'node:fs'

const benches = [
  ['core', ['bun', 'core/bench/core.bench.ts']],
  ['analytics', ['bun', 'core/bench/analytics.bench.ts']],
  ['render', ['bun', 'run', '--cwd', 'render', 'bench']],
  ['edge', ['bun', 'run', '--cwd', 'edge', 'bench']],
] as const
const only = process.argv.slice(2)
for (const [name, cmd] of benches) {
  if (only.length && !only.includes(name)) continue
  if (name !== 'core' && name !== 'analytics' && !existsSync(`${name}/package.json`)) continue
  console.log(`\n=== ${name} benchmark ===`)
  const code = await Bun.spawn([...cmd], { stdout: 'inherit', stderr: 'inherit' }).exited
  if (code !== 0) console.log(`${name} benchmark exited ${code}`)
}
