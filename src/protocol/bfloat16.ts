// bfloat16 (the upper 16 bits of an IEEE float32: 8 exponent bits, 7 mantissa bits) for gradients on the wire
// when `cluster.gradientCompression: bf16`. Round to nearest, ties to even, as PyTorch's and TF's conversions do;
// finite values too large for bf16 saturate to its largest finite value instead of becoming infinite.

/** float32 -> bfloat16 bit patterns. */
export function toBfloat16(x: Float32Array, out = new Uint16Array(x.length)): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length); // a Float32Array is always 4-byte aligned
  for (let i = 0; i < x.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000) {
      out[i] = (b >>> 16) | ((b & 0xffff) !== 0 ? 0x40 : 0); // infinities stay, NaN stays NaN (quiet)
      continue;
    }
    const rounded = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    out[i] = (rounded & 0x7f80) === 0x7f80 ? (rounded & 0x8000) | 0x7f7f : rounded; // saturate, never overflow to infinity
  }
  return out;
}

/** bfloat16 bit patterns -> float32 (exact). */
export function fromBfloat16(h: Uint16Array, out = new Float32Array(h.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < h.length; i++) bits[i] = h[i] << 16;
  return out;
}
