// Types for tests inside workerd: what globalSetup provides, and the worker's bindings.
declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    sharedSecret: string;
    privateJwk: import("jose").JWK;
    deadOriginUrl: string;
  }
}

declare global {
  namespace Cloudflare {
    interface Env extends Omit<import("../src/config").Env, never> {}
  }
}

export {};
