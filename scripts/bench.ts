// `bun run bench`: every benchmark, printing figures (never asserted in tests).
import { existsSync } from 'node:fs'

// `bun run bench render` runs both render benchmarks; `bun run bench throughput` only the node's videos per hour.
const benches = [
  ['core', ['bun', 'core/bench/core.bench.ts'], []],
  ['analytics', ['bun', 'core/bench/analytics.bench.ts'], []],
  ['render', ['bun', 'run', '--cwd', 'render', 'bench'], []],
  ['render', ['bun', 'render/bench/throughput.bench.ts'], ['throughput']],
  ['edge', ['bun', 'run', '--cwd', 'edge', 'bench'], []],
] as const
const only = process.argv.slice(2)
for (const [name, cmd, aliases] of benches) {
  if (only.length && !only.includes(name) && !aliases.some((a) => only.includes(a))) continue
  if (name !== 'core' && name !== 'analytics' && !existsSync(`${name}/package.json`)) continue
  console.log(`\n=== ${name} benchmark ===`)
  const code = await Bun.spawn([...cmd], { stdout: 'inherit', stderr: 'inherit' }).exited
  if (code !== 0) console.log(`${name} benchmark exited ${code}`)
}
