/**
 * JSON logs (pino). Secrets never reach a log line: known secret-bearing keys are redacted, and
 * callers log names and references, never Secret data or passwords.
 */
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { component: 'doris-operator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'password',
          '*.password',
          'passwd',
          '*.passwd',
          'token',
          '*.token',
          'data',
          '*.data',
          'stringData',
        ],
        censor: '[redacted]',
      },
    },
    destination as never,
  );
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
