import winston from 'winston';

export type Logger = winston.Logger;
export type LogFormat = 'json' | 'text';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Defaults to stderr so that stdout stays free for data. */
  stream?: NodeJS.WritableStream;
  defaultMeta?: Record<string, unknown>;
}

const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, component, ...rest } = info as Record<string, unknown>;
  const extras = Object.entries(rest)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const comp = typeof component === 'string' ? ` [${component}]` : '';
  return `${String(timestamp)} ${String(level).toUpperCase().padEnd(5)}${comp} ${String(message)}${extras ? ' ' + extras : ''}`;
});

/** Only a `main.ts` calls this; components take `logger.child({ component })`. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stderr.isTTY ? 'text' : 'json');
  return winston.createLogger({
    level: opts.level ?? 'info',
    defaultMeta: opts.defaultMeta,
    format: winston.format.combine(
      winston.format.errors({ stack: false }),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : textFormat,
    ),
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stderr })],
  });
}

/** A logger that drops everything; for unit tests and library defaults. */
export function silentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
