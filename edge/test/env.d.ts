// The worker's bindings, as `env` from "cloudflare:workers" has them in tests.
declare global {
  namespace Cloudflare {
    interface Env extends Omit<import('../src/env').Env, never> {}
  }
}

export {}
