// Types for the `z85` package (ZeroMQ's Base-85, RFC 32), which ships none.
declare module 'z85' {
  /** Encodes bytes (length a multiple of 4); null otherwise. */
  export function encode(data: Uint8Array | string): string | null;
  /** Decodes a string (length a multiple of 5); null otherwise. Does not check the alphabet. */
  export function decode(text: string): Buffer | null;
}
