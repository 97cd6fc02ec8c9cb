// Structured logs (pino) that never carry secrets or personal data.
import pino, { type Logger } from 'pino';

/** Paths pino replaces with "[redacted]": credentials, tokens, keys and personal data. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.pin',
  '*.token',
  '*.authCode',
  '*.phone',
  '*.name',
  '*.birthday',
  '*.privateKey',
  '*.apiKey',
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'tillpoint' } }, destination);
}
