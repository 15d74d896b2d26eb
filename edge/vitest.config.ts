import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // The worker and its middleware, run inside workerd in front of a stub core (test/node/stub-core.ts).
        plugins: [
          cloudflareTest(({ inject }) => ({
            verbose: false,
            wrangler: { configPath: './wrangler.jsonc' },
            miniflare: {
              bindings: {
                ORIGIN_URL: inject('originUrl'),
                EDGE_SHARED_SECRET: inject('sharedSecret'),
                CORS_ORIGINS: 'https://app.ytempire.test',
                MAX_BODY_BYTES: '65536',
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['src/**/*.test.ts', 'test/*.test.ts'],
          globalSetup: ['test/node/global-setup.ts'],
        },
      },
      {
        // wrangler dev in front of the real core, run from Node.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
