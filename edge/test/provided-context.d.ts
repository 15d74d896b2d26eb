// What test/node/global-setup.ts provides to the tests inside workerd.
declare module 'vitest' {
  export interface ProvidedContext {
    originUrl: string
    sharedSecret: string
    privateJwk: import('jose').JWK
    deadOriginUrl: string
  }
}

export {}
