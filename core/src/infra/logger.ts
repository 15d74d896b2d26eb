import pino, { type DestinationStream, type Logger } from 'pino'

// What must never reach a log line: anyone who reads logs is not entitled to the users' data.
const SECRETS: [RegExp, string][] = [
  [/[^\s@"'<>(),=:;]+@[^\s@"'<>(),=:;]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\bytk_[A-Za-z0-9_]+/g, '[api-key]'],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]'],
  [/\b[0-9a-fA-F]{40,}\b/g, '[hash]'],
]

/** The text with e-mail addresses, API keys, JWTs and hex digests masked. */
export function redactText(text: string): string {
  return SECRETS.reduce((s, [pattern, mask]) => s.replace(pattern, mask), text)
}

/**
 * An error as a log line may show it: name, message and stack with secrets masked, PostgreSQL's code
 * and where it failed, the SQL text with its placeholders, but never the parameters (drizzle puts them
 * in the message, postgres.js on the error) nor PostgreSQL's `detail`, which quotes row values.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? redactText(err) : err
  const e = err as Error & Record<string, unknown>
  const message = redactText(e.message.replace(/\nparams: [\s\S]*$/, ''))
  const out: Record<string, unknown> = { type: e.name, message }
  for (const key of ['code', 'severity', 'routine', 'constraint_name', 'table_name', 'column_name'])
    if (typeof e[key] === 'string') out[key] = e[key]
  if (typeof e.query === 'string') out.query = e.query
  if (e.stack) out.stack = redactText(e.stack.replace(e.message, message))
  if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1)
  return out
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'core' },
    serializers: { err: serializeError, error: serializeError },
    // Never log credentials or e-mail addresses, even by accident.
    redact: {
      paths: [
        'email',
        '*.email',
        '*.password',
        '*.passwordHash',
        '*.secretHash',
        '*.tokenHash',
        '*.codeHash',
        '*.authorization',
        '*.refreshToken',
        '*.accessToken',
        '*.privateKey',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  return destination ? pino(options, destination) : pino(options)
}
export type { Logger }
