// An independent reader of TensorBoard event files for tests: TFRecord framing checked with a bit-by-bit CRC32C
// (the Castagnoli polynomial, reflected 0x82F63B78) and Event/Summary fields decoded with @bufbuild/protobuf's
// wire reader: nothing shared with the writer in src/report/tensorboard.ts.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** CRC32C one bit at a time: slow, obviously right. */
export function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(data: Uint8Array): number {
  const crc = crc32cBitwise(data);
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** Splits a TFRecord file into its records; throws on a bad length or data CRC. */
export function readRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let pos = 0;
  while (pos < file.length) {
    const lenBytes = file.subarray(pos, pos + 8);
    if (file.readUInt32LE(pos + 8) !== masked(lenBytes)) throw new Error(`record at ${pos}: bad length CRC`);
    const len = Number(file.readBigUInt64LE(pos));
    const data = file.subarray(pos + 12, pos + 12 + len);
    if (file.readUInt32LE(pos + 12 + len) !== masked(data)) throw new Error(`record at ${pos}: bad data CRC`);
    records.push(data);
    pos += 16 + len;
  }
  return records;
}

export interface ParsedValue {
  tag: string;
  simpleValue?: number;
  image?: { height: number; width: number; colorspace: number; png: Uint8Array };
}

export interface ParsedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: ParsedValue[];
}

function parseImage(bytes: Uint8Array): NonNullable<ParsedValue['image']> {
  const r = new BinaryReader(bytes);
  const img: NonNullable<ParsedValue['image']> = { height: 0, width: 0, colorspace: 0, png: new Uint8Array() };
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field === 1) img.height = r.int32();
    else if (field === 2) img.width = r.int32();
    else if (field === 3) img.colorspace = r.int32();
    else if (field === 4) img.png = r.bytes();
    else r.skip(type);
  }
  return img;
}

function parseValue(bytes: Uint8Array): ParsedValue {
  const r = new BinaryReader(bytes);
  const v: ParsedValue = { tag: '' };
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field === 1) v.tag = new TextDecoder().decode(r.bytes());
    else if (field === 2 && type === WireType.Bit32) v.simpleValue = r.float();
    else if (field === 4) v.image = parseImage(r.bytes());
    else r.skip(type);
  }
  return v;
}

/** Decodes one tensorflow.Event (wall_time 1, step 2, file_version 3, summary 5 { value 1 }). */
export function parseEvent(bytes: Uint8Array): ParsedEvent {
  const r = new BinaryReader(bytes);
  const e: ParsedEvent = { wallTime: 0, step: 0, values: [] };
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field === 1) e.wallTime = r.double();
    else if (field === 2) e.step = Number(r.int64());
    else if (field === 3) e.fileVersion = new TextDecoder().decode(r.bytes());
    else if (field === 5) {
      const s = new BinaryReader(r.bytes());
      while (s.pos < s.len) {
        const [f, t] = s.tag();
        if (f === 1) e.values.push(parseValue(s.bytes()));
        else s.skip(t);
      }
    } else r.skip(type);
  }
  return e;
}
