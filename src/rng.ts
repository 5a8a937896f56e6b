// Keyed, counter-free random streams: every draw is keyed by (seed, step, phase, micro-shard), never by worker
// (DESIGN.md §3). Keys are hashed to a 32-bit seed, which seeds pure-rand's xoroshiro128+ generator.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export type KeyPart = string | number;

/**
 * Hashes a key to an unsigned 32-bit seed. FNV-1a over the key's canonical text, then a murmur3 finaliser
 * to spread the bits; written here because it is six lines and must never change (checkpoints and
 * determinism tests depend on it).
 */
export function keySeed(...parts: KeyPart[]): number {
  const text = parts.map(String).join('\u001f');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A deterministic random stream for one key. */
export class KeyedRandom {
  private readonly rng;
  constructor(...key: KeyPart[]) {
    this.rng = xoroshiro128plus(keySeed(...key) | 0);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.rng, from, to);
  }

  /** n standard normal draws (Box-Muller, both outputs used) as float32. */
  normal(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** A permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
