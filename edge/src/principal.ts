/** Who the edge verified the caller to be. */
export type Principal =
  | { kind: 'anonymous' }
  // `sessionId` is the token's `sid` (the refresh-token family): what a logout or a revocation ends.
  | { kind: 'user'; userId: string; sessionId?: string; role?: string }
  // The core checks the key again on every request; the edge only learns whose it is.
  | { kind: 'api_key'; userId: string; keyHash: string }

export const ANONYMOUS: Principal = { kind: 'anonymous' }
