import pino, { type Logger } from 'pino'

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'core' },
    // Never log credentials, even by accident.
    redact: {
      paths: [
        '*.password',
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
  })
}
export type { Logger }
