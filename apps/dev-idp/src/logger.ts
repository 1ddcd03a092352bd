// Structured JSON logs (pino) on stdout. Nothing secret is logged: no passwords, tokens,
// codes, client secrets or cookies — the redaction below is a second line of defence.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    name: 'dev-idp',
    level,
    base: { service: 'dev-idp' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        'client_secret',
        '*.client_secret',
        'authorization',
        '*.authorization',
        'headers.cookie',
        '*.headers.cookie',
        'access_token',
        '*.access_token',
        'refresh_token',
        '*.refresh_token',
        'id_token',
        '*.id_token',
        'code',
        '*.code',
      ],
      censor: '[redacted]',
    },
  });
}
