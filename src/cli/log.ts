// Logging: pino JSON, human-readable (pino-pretty) when stderr is a terminal.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(opts: { verbose?: boolean; json?: boolean } = {}): Logger {
  const level = opts.verbose ? 'debug' : (process.env.GANYMEDE_LOG_LEVEL ?? 'info');
  const json = opts.json ?? (process.env.GANYMEDE_LOG_JSON === '1' || !process.stderr.isTTY);
  if (json) return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  return pino({ level }, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }));
}
