// Standard Webhooks (standardwebhooks.com): the signed content is `<webhook-id>.<webhook-timestamp>.<body>`,
// HMAC-SHA256 under the secret's base64-decoded bytes, sent as `v1,<base64>`. Receivers verify with the
// `standardwebhooks` libraries (n8n, Zapier and Svix-style receivers do the same).
import { createHash, createHmac, randomBytes } from 'node:crypto'

const PREFIX = 'whsec_'

/** A new endpoint secret, `whsec_<base64 of 24 random bytes>`. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64')
}

/** A message id (`webhook-id`), the same for every attempt at one message. */
/** A fresh message id; with `key`, the same id every time for that key and endpoint (an emission done twice is one message). */
export function newMessageId(key?: { emission: string; endpointId: string }): string {
  if (!key) return `msg_${randomBytes(16).toString('base64url')}`
  return `msg_${createHash('sha256').update(`${key.emission}\n${key.endpointId}`).digest().subarray(0, 16).toString('base64url')}`
}

/**
 * The Standard Webhooks headers, one `v1,<sig>` per secret, space-separated: the spec's way through a
 * rotation (a receiver accepts the message if any signature verifies with the secret it holds).
 */
export function signatureHeaders(secrets: readonly string[], messageId: string, timestampS: number, body: string): Record<string, string> {
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
    return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampS}.${body}`).digest('base64')}`
  })
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signatures.join(' '),
  }
}
