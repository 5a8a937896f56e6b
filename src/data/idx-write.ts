// Writing uint8 arrays in the IDX format of MNIST (LeCun's "file formats" section): magic 0x00000803-style header
// (two zero bytes, type 0x08 = unsigned byte, number of dimensions), each dimension as a big-endian uint32, then
// the data; gzip-compressed when the file name ends in .gz, as MNIST's own files are.
import { gzipSync } from 'node:zlib';

/** The bytes of an IDX file holding `data` with shape `dims` (e.g. [n, 28, 28]). */
export function encodeIdxUint8(data: Uint8Array, dims: number[], gzip = false): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`IDX: shape [${dims}] holds ${count} values, got ${data.length}`);
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const bytes = Buffer.concat([header, data]);
  return gzip ? gzipSync(bytes) : bytes;
}
