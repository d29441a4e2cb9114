// Structured JSON-line logs (time, level, controller, object, reconcile id, message). Fields are explicit:
// objects are never dumped whole, so Secret data and env values cannot reach a log line.
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel = "info"): LogLevel {
  if (value === undefined || value === "") return fallback;
  if (value in ORDER) return value as LogLevel;
  throw new Error(`log level "${value}" is not one of ${Object.keys(ORDER).join(", ")}`);
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields } = {}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (ORDER[level] < min) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, ...base, msg, ...fields })}\n`);
    };
    return {
      debug: (m, f) => { emit("debug", m, f); },
      info: (m, f) => { emit("info", m, f); },
      warn: (m, f) => { emit("warn", m, f); },
      error: (m, f) => { emit("error", m, f); },
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.fields ?? {});
}

/** Error text for a log line: the message only (API errors can echo request bodies in their details). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
