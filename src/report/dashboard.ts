// The live view of `ganymede train --dashboard`: the run's HTML report served on localhost, rebuilt when the run's
// files change (at most every few seconds) and reloaded by the page itself (a meta refresh, so no script).
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { reportHtml } from './html.js';
import { readRun } from './run-data.js';

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** A fingerprint of what the report reads: sizes and times of metrics, timeline, grids and checkpoints. */
function fingerprint(dir: string): string {
  const parts: string[] = [];
  for (const f of ['metrics.jsonl', 'timeline.jsonl']) {
    const file = path.join(dir, f);
    if (existsSync(file)) parts.push(`${f}:${statSync(file).size}`);
  }
  for (const sub of ['samples', 'checkpoints']) {
    const folder = path.join(dir, sub);
    if (existsSync(folder)) parts.push(`${sub}:${readdirSync(folder).sort().join(',')}`);
  }
  return parts.join('|');
}

/**
 * Serves the report of the run folder `runDir()` names on http://host:port/ (port 0: any free port) until closed.
 * The folder may be named later (the server starts before the run folder exists, so a busy port fails first).
 */
export async function startDashboard(runDir: () => string | undefined, port: number, host = '127.0.0.1', refreshSeconds = 5): Promise<Dashboard> {
  let cached: { key: string; html: string; at: number } | undefined;
  let building: Promise<string> | undefined;
  const page = async (): Promise<string> => {
    const dir = runDir();
    if (!dir) return `<!doctype html><html><head><meta http-equiv="refresh" content="2"><title>ganymede</title></head><body>starting...</body></html>`;
    const key = fingerprint(dir);
    if (cached && (cached.key === key || Date.now() - cached.at < refreshSeconds * 1000)) return cached.html;
    building ??= reportHtml(readRun(dir), { refreshSeconds })
      .then((html) => ((cached = { key, html, at: Date.now() }), html))
      .finally(() => (building = undefined));
    return building;
  };
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/' && req.url !== '/index.html')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    page().then(
      (html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot build the report: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`--dashboard-port ${port}: already in use`, { hint: 'choose another port, or 0 for any free one' }) : err));
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
