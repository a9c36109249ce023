/**
 * Structured JSON logs, one line per entry. Every entry carries the function name and, where there is
 * one, the correlation id that follows a piece of work from import to report (it travels in queue
 * messages as `correlationId` and in HTTP as `x-request-id`).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
};

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string) => void;

export function createLogger(options: { level?: LogLevel; base?: LogFields; sink?: LogSink } = {}): Logger {
  const min = rank[options.level ?? 'info'];
  const base = options.base ?? {};
  const sink: LogSink = options.sink ?? ((line) => process.stdout.write(`${line}\n`));
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ level: options.level, base: { ...base, ...fields }, sink }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** A logger that keeps nothing: for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ sink: () => undefined });
