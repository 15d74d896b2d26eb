// `bun run --cwd edge bench [--origin=core] [--duration=10] [--connections=8] [--rate=N]`
import { resolve } from 'node:path'
import { EDGE_DIR, runNode } from './node22'

process.exit(await runNode([resolve(EDGE_DIR, 'bench/edge.bench.ts'), ...process.argv.slice(2)]))
