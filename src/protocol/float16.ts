// IEEE 754 binary16 ("fp16": 5 exponent bits, 10 mantissa bits, largest finite 65504, subnormals down to 2^-24)
// for gradients on the wire when `cluster.gradientCompression: fp16`. Round to nearest, ties to even, as
// PyTorch's `.half()` and numpy's astype(float16) do. Hand-written rather than @petamoriken/float16 (the npm
// polyfill): measured here on a 1.5M-value gradient, its Float16Array constructor took 40-70 ms to encode and its
// getFloat16 1.3-2.6 s to decode, where these loops take a few ms, like the bfloat16 ones.
//
// Range: a finite value that would round to infinity (|x| >= 65520) is not encoded: toFloat16 returns
// undefined and the caller sends that tensor as float32 instead (per-tensor fallback, never a silent infinity).
// Values below 2^-25 round to zero; error feedback carries them to later rounds.

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;
/** float32 bits of 65520: from here on, rounding to float16 gives infinity. */
const OVERFLOW_BITS = 0x477ff000;
/** float32 bits of 2^-14, float16's smallest normal. */
const MIN_NORMAL_BITS = 0x38800000;
/** float32 bits of 2^-25: at or below it, a value rounds to zero. */
const ZERO_BITS = 0x33000000;

/**
 * float32 -> float16 bit patterns, or undefined when a finite value is beyond float16's range (the caller falls
 * back to float32 for that tensor). Infinities stay infinite and NaN stays NaN.
 */
export function toFloat16(x: Float32Array, out = new Uint16Array(x.length)): Uint16Array | undefined {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length); // a Float32Array is always 4-byte aligned
  for (let i = 0; i < x.length; i++) {
    const b = bits[i];
    const sign = (b >>> 16) & 0x8000;
    const abs = b & 0x7fffffff;
    if (abs >= 0x7f800000) {
      out[i] = sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0); // infinity, or a quiet NaN
    } else if (abs >= OVERFLOW_BITS) {
      return undefined;
    } else if (abs >= MIN_NORMAL_BITS) {
      // Rebias the exponent (127 -> 15) and drop 13 mantissa bits, rounding half to even; a mantissa carry
      // moves into the exponent, which is the right answer (1.1111111111|1 -> 10.0).
      let h = (abs - 0x38000000) >>> 13;
      const rest = abs & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
      out[i] = sign | h;
    } else if (abs <= ZERO_BITS) {
      out[i] = sign; // +-0
    } else {
      // Subnormal: the value is m * 2^(e - 150) with the implicit bit; in units of 2^-24 that is m >> (126 - e).
      const m = (abs & 0x7fffff) | 0x800000;
      const shift = 126 - (abs >>> 23);
      let h = m >>> shift;
      const rest = m & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rest > half || (rest === half && (h & 1) === 1)) h++;
      out[i] = sign | h;
    }
  }
  return out;
}

let table: Float32Array | undefined;

/** Every float16 bit pattern's value (256 KB, built on first use): decoding is one load per value. */
function float16Table(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    const magnitude = e === 0 ? m * 2 ** -24 : e === 31 ? (m === 0 ? Infinity : NaN) : (1 + m / 1024) * 2 ** (e - 15);
    table[h] = h & 0x8000 ? -magnitude : magnitude;
  }
  return table;
}

/** float16 bit patterns -> float32 (exact: every float16 is a float32). */
export function fromFloat16(h: Uint16Array, out = new Float32Array(h.length)): Float32Array {
  const t = float16Table();
  for (let i = 0; i < h.length; i++) out[i] = t[h[i]];
  return out;
}
