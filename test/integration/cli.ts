// Runs the built `ganymede` CLI as a real process (the way users and CI do), with a hard timeout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  onSpawn?: (pid: number) => void;
  /** Called with everything written to stderr so far, after each chunk. */
  onStderr?: (text: string) => void;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ganymede ${args.join(' ')} timed out; stderr:\n${stderr.slice(-2000)}`));
    }, opts.timeoutMs ?? 300_000);
    if (child.pid) opts.onSpawn?.(child.pid);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `ganymede-${prefix}-`));
}

/** SHA-256 of each file of a checkpoint, from its manifest. */
export function manifestHashes(checkpointDir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(checkpointDir, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
  return Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256]));
}
