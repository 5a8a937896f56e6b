#!/usr/bin/env node
// Builds the optional OpenBLAS matMul addon (native/ -> native/build/Release/gemm.node) when the machine can.
//
// Needs Debian's libopenblas-dev (cblas.h, libopenblas.so), g++ and Node's headers (include/node next to the
// node binary, else node-gyp's cache). Tries node-gyp (the copy bundled with npm), then g++ directly; loads the
// result in a child process to check it links. Prints exactly one line and ALWAYS exits 0: the addon is an
// optimisation, and without it src/backend/openblas-*.ts fall back to the wasm kernels.
// GANYMEDE_SKIP_NATIVE=1 skips the build.
/* global process, console */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const output = path.join(nativeDir, 'build', 'Release', 'gemm.node');
const TIMEOUT_MS = 300_000;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT_MS, ...options });
  return { ok: r.status === 0, text: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function pkgConfig(flag) {
  const r = run('pkg-config', [flag, 'openblas']);
  return r.ok ? r.text.trim().split(/\s+/).filter(Boolean) : undefined;
}

/** Where cblas.h is, or undefined: pkg-config first, then the usual Debian paths. */
function findOpenblas() {
  if (run('pkg-config', ['--exists', 'openblas']).ok) return 'pkg-config openblas';
  const headers = [
    '/usr/include/x86_64-linux-gnu/cblas.h',
    '/usr/include/aarch64-linux-gnu/cblas.h',
    '/usr/include/openblas/cblas.h',
    '/usr/include/cblas.h',
  ];
  const libs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const header = headers.find((h) => existsSync(h));
  const lib = libs.find((d) => existsSync(path.join(d, 'libopenblas.so')));
  return header !== undefined && lib !== undefined ? header : undefined;
}

/** Node's own headers (node_api.h), so nothing is downloaded. */
function findNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** node-gyp's entry script: npm's lifecycle variable, else the copy bundled with this node's npm. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) {
    candidates.push(path.resolve(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c !== undefined && c !== '' && existsSync(c));
}

function buildWithNodeGyp(nodeGyp, nodeDir) {
  const args = [nodeGyp, 'rebuild', '--silent'];
  if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`);
  return run(process.execPath, args, { cwd: nativeDir });
}

function buildWithGxx(nodeDir) {
  if (nodeDir === undefined) return { ok: false, text: 'no Node headers for g++' };
  mkdirSync(path.dirname(output), { recursive: true });
  const cflags = pkgConfig('--cflags') ?? [];
  const libs = pkgConfig('--libs') ?? ['-lopenblas'];
  return run('g++', [
    '-O3', '-ffp-contract=off', '-fno-math-errno', '-std=c++17', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=gemm',
    `-I${path.join(nodeDir, 'include', 'node')}`, ...cflags,
    path.join(nativeDir, 'gemm.cc'), path.join(nativeDir, 'conv.cc'), path.join(nativeDir, 'vector.cc'), '-o', output, ...libs, '-ldl',
  ]);
}

/** Loads the addon in a child process and returns its OpenBLAS version, or undefined when it does not load. */
function probe() {
  if (!existsSync(output)) return undefined;
  try {
    const code = `process.stdout.write(require(${JSON.stringify(output)}).config())`;
    const config = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /OpenBLAS [\d.]+/.exec(config)?.[0] ?? config.slice(0, 40);
  } catch {
    return undefined;
  }
}

function lastLine(text) {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return (lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no output').trim().slice(0, 200);
}

function main() {
  if (process.env.GANYMEDE_SKIP_NATIVE === '1') return 'skipped (GANYMEDE_SKIP_NATIVE=1)';
  if (process.platform !== 'linux') return `skipped (${process.platform}: only the Linux build is set up)`;
  if (findOpenblas() === undefined) return 'skipped (no OpenBLAS headers/library: apt-get install libopenblas-dev)';
  if (!run('g++', ['--version']).ok) return 'skipped (no g++)';
  const nodeDir = findNodeDir();
  const nodeGyp = findNodeGyp();
  const failures = [];
  if (nodeGyp !== undefined) {
    const r = buildWithNodeGyp(nodeGyp, nodeDir);
    const config = r.ok ? probe() : undefined;
    if (config !== undefined) return `built native/build/Release/gemm.node with node-gyp (${config})`;
    failures.push(`node-gyp: ${r.ok ? 'built but does not load' : lastLine(r.text)}`);
  } else {
    failures.push('node-gyp not found');
  }
  const r = buildWithGxx(nodeDir);
  const config = r.ok ? probe() : undefined;
  if (config !== undefined) return `built native/build/Release/gemm.node with g++ (${config})`;
  failures.push(`g++: ${r.ok ? 'built but does not load' : lastLine(r.text)}`);
  rmSync(output, { force: true }); // never leave an addon that does not load
  return `skipped (build failed; ${failures.join('; ')})`;
}

let line;
try {
  line = main();
} catch (error) {
  line = `skipped (${error instanceof Error ? error.message : String(error)})`;
}
const tail = line.startsWith('built') ? '' : '; the wasm matMul kernels are used instead';
console.log(`ganymede native OpenBLAS matMul: ${line}${tail}`);
process.exit(0);
