// `bun run --cwd edge test [vitest args]`: the vitest suite (workerd + e2e) under Node 22.
import { runNode, VITEST } from './node22'

process.exit(await runNode([VITEST, 'run', ...process.argv.slice(2)]))
