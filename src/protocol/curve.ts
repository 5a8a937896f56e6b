// CurveZMQ keys (RFC 26): where the coordinator and the workers find them, how they are checked, and
// `ganymede keys`. Keys are Z85 text (40 characters for 32 bytes), as libzmq and zeromq.js use them.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as zmq from 'zeromq';
import * as z85 from 'z85';
import { ConfigError, UsageError } from '../errors.js';

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** The coordinator's CURVE identity and the worker public keys it lets in. */
export interface CurveServer {
  publicKey: string;
  secretKey: string;
  /** Allowed worker public keys (Z85). */
  clients: string[];
}

/** A worker's CURVE identity and the coordinator public key it trusts. */
export interface CurveClient {
  publicKey: string;
  secretKey: string;
  serverKey: string;
}

/** Checks a Z85 key and returns its 32 bytes; `what` names where it came from. */
export function keyBytes(key: string, what: string): Buffer {
  const bytes = Z85_KEY.test(key) ? z85.decode(key) : null;
  if (!bytes || bytes.length !== 32) throw new ConfigError(`${what}: not a CURVE key (40 Z85 characters expected)`);
  return bytes;
}

/** The public key of a secret key: Curve25519 of the base point, through Node's X25519. */
export function publicKeyOf(secretKey: string, what: string): string {
  // PKCS#8 DER of an X25519 private key is this fixed prefix followed by the 32 raw bytes.
  const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), keyBytes(secretKey, what)]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  return z85.encode(Buffer.from(jwk.x as string, 'base64url')) as string;
}

/** A value from env NAME, or from the file env NAME_FILE names (Kubernetes Secrets mount as files). */
function fromEnv(env: NodeJS.ProcessEnv, name: string): { value: string; what: string } | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return { value: readFileSync(file, 'utf8').trim(), what: `${file} (${name}_FILE)` };
    } catch (err) {
      throw new ConfigError(`${file} (${name}_FILE): cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const value = env[name];
  return value ? { value: value.trim(), what: `$${name}` } : undefined;
}

/** The coordinator's CURVE settings, or undefined when GANYMEDE_CURVE_SECRET(_FILE) is not set (no encryption). */
export function serverCurve(env: NodeJS.ProcessEnv = process.env): CurveServer | undefined {
  const secret = fromEnv(env, 'GANYMEDE_CURVE_SECRET');
  if (!secret) return undefined;
  const publicKey = publicKeyOf(secret.value, secret.what);
  const clientsFrom = fromEnv(env, 'GANYMEDE_CURVE_CLIENTS');
  if (!clientsFrom) {
    throw new ConfigError('GANYMEDE_CURVE_SECRET is set but no worker keys are: set GANYMEDE_CURVE_CLIENTS or GANYMEDE_CURVE_CLIENTS_FILE', {
      hint: 'list the workers\' public keys (`ganymede keys` writes <name>.public), comma- or line-separated',
    });
  }
  const clients = clientsFrom.value.split(/[\s,]+/).filter((k) => k.length > 0);
  clients.forEach((k, i) => keyBytes(k, `${clientsFrom.what}, key ${i + 1}`));
  if (clients.length === 0) throw new ConfigError(`${clientsFrom.what}: no worker public key`);
  return { secretKey: secret.value, publicKey, clients };
}

/** A worker's CURVE settings, or undefined when GANYMEDE_CURVE_SERVER_KEY(_FILE) is not set. */
export function clientCurve(env: NodeJS.ProcessEnv = process.env): CurveClient | undefined {
  const server = fromEnv(env, 'GANYMEDE_CURVE_SERVER_KEY');
  if (!server) return undefined;
  keyBytes(server.value, server.what);
  const secret = fromEnv(env, 'GANYMEDE_CURVE_SECRET');
  if (!secret) throw new ConfigError('GANYMEDE_CURVE_SERVER_KEY is set but this worker has no key: set GANYMEDE_CURVE_SECRET or GANYMEDE_CURVE_SECRET_FILE');
  return { serverKey: server.value, secretKey: secret.value, publicKey: publicKeyOf(secret.value, secret.what) };
}

/** Writes a new key pair as <dir>/<name>.public and <dir>/<name>.secret (0600); never overwrites. */
export function writeKeyPair(dir: string, name: string): { publicFile: string; secretFile: string; publicKey: string } {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`--name ${name}: letters, digits, ".", "_" and "-" only`);
  const pair = zmq.curveKeyPair();
  const publicFile = path.join(dir, `${name}.public`);
  const secretFile = path.join(dir, `${name}.secret`);
  for (const file of [publicFile, secretFile]) {
    if (existsSync(file)) throw new UsageError(`${file}: exists already (keys are never overwritten)`);
  }
  try {
    writeFileSync(secretFile, `${pair.secretKey}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${secretFile}: ${code === 'EEXIST' ? 'exists already (keys are never overwritten)' : `cannot be written (${code})`}`);
  }
  try {
    writeFileSync(publicFile, `${pair.publicKey}\n`, { flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${publicFile}: ${code === 'EEXIST' ? 'exists already (keys are never overwritten)' : `cannot be written (${code})`}`);
  }
  return { publicFile, secretFile, publicKey: pair.publicKey };
}
