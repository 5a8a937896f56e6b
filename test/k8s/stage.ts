// A copy of k8s/ in a temporary folder with its secrets made, ready for `kubectl kustomize`: the repository
// holds no secrets, so tests make their own (as k8s/make-secrets.sh does for users).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as zmq from 'zeromq';
import { CLI } from '../integration/cli.js';
import { REPO } from './manifests.js';

/** True when this build has `ganymede keys` (CURVE keys, from the reliability issue). */
let keysCommand: boolean | undefined;
export function hasKeysCommand(): boolean {
  keysCommand ??= /^\s+ganymede keys\b/m.test(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout);
  return keysCommand;
}

/** Copies k8s/ to `<dir>/k8s` and writes its secrets; returns the copy's path. */
export function stageK8s(dir: string, token = 'rehearsal-token'): string {
  const root = path.join(dir, 'k8s');
  cpSync(path.join(REPO, 'k8s'), root, { recursive: true, filter: (src) => !src.includes(`${path.sep}secrets`) });
  const secrets = path.join(root, 'common', 'secrets');
  mkdirSync(secrets, { recursive: true });
  writeFileSync(path.join(secrets, 'token'), token);
  for (const name of ['coordinator', 'worker']) {
    if (hasKeysCommand()) {
      const r = spawnSync(process.execPath, [CLI, 'keys', '--out', secrets, '--name', name], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ganymede keys failed: ${r.stderr}`);
    } else {
      // Until `ganymede keys` lands: the same Z85 key pairs, from ZeroMQ directly.
      const { publicKey, secretKey } = zmq.curveKeyPair();
      writeFileSync(path.join(secrets, `${name}.public`), publicKey);
      writeFileSync(path.join(secrets, `${name}.secret`), secretKey);
    }
  }
  return root;
}
