/** Receives one already-formatted log line (a JSON object per line). */
export type LogSink = (line: string) => void;

export type Logger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export const stderrSink: LogSink = (line) => process.stderr.write(`${line}\n`);

export const silentSink: LogSink = () => undefined;

export function jsonLogger(sink: LogSink, component: string): Logger {
  return (level, msg, fields) => sink(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }));
}
