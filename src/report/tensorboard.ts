// TensorBoard event files: scalars and PNG images as tensorflow.Event protobufs in TFRecord framing, the format
// TensorBoard's EventFileLoader reads (tensorflow/core/util/event.proto, tensorflow/core/lib/io/record_writer.cc).
// protobufjs encodes the messages and @aws-crypto/crc32c computes the checksums; only the framing is ours.
import { crc32c } from '@aws-crypto/crc32c';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';

/** The subset of event.proto and summary.proto we write, with TensorFlow's field numbers. */
const PROTO = `
syntax = "proto3";
package tensorflow;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}
message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
      Image image = 4;
    }
  }
  repeated Value value = 1;
}
`;

export const EventType = protobuf.parse(PROTO).root.lookupType('tensorflow.Event');

/** TFRecord's checksum: CRC32C rotated right by 15 bits plus a constant (record_writer.cc, MaskedCrc). */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length bytes, the data, masked CRC of the data (all LE). */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** An image for TensorBoard's Images tab: an encoded PNG and its size; colorspace 1 = grey, 3 = RGB, 4 = RGBA. */
export interface TbImage {
  png: Uint8Array;
  height: number;
  width: number;
  colorspace: number;
}

/** Size and TensorBoard colorspace of a PNG, from its IHDR chunk (PNG spec 11.2.2). */
export function pngImage(png: Uint8Array): TbImage {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 26 || b.readUInt32BE(12) !== 0x49484452) throw new Error('not a PNG (no IHDR chunk)');
  const colorType = b[25]; // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  const colorspace = colorType === 0 ? 1 : colorType === 4 ? 2 : colorType === 6 ? 4 : 3;
  return { png, width: b.readUInt32BE(16), height: b.readUInt32BE(20), colorspace };
}

/**
 * Appends events to `<dir>/events.out.tfevents.<seconds>.<host>` (TensorBoard's file naming; it reads every
 * such file in a folder). Each event is written and flushed at once, so TensorBoard can follow a live run.
 */
export class TensorBoardWriter {
  readonly file: string;
  private fd: number;

  constructor(dir: string, now = Date.now()) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${os.hostname()}.${process.pid}`);
    this.fd = openSync(this.file, 'wx');
    this.write({ wallTime: now / 1000, fileVersion: 'brain.Event:2' });
  }

  /** Every finite number of `values` (except `step`) as a scalar with its key as the tag. */
  scalars(step: number, values: Record<string, unknown>, now = Date.now()): void {
    const value = Object.entries(values)
      .filter(([tag, v]) => tag !== 'step' && typeof v === 'number' && Number.isFinite(v))
      .map(([tag, v]) => ({ tag, simpleValue: v as number }));
    if (value.length > 0) this.write({ wallTime: now / 1000, step, summary: { value } });
  }

  image(step: number, tag: string, img: TbImage, now = Date.now()): void {
    const image = { height: img.height, width: img.width, colorspace: img.colorspace, encodedImageString: img.png };
    this.write({ wallTime: now / 1000, step, summary: { value: [{ tag, image }] } });
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  private write(event: Record<string, unknown>): void {
    if (this.fd < 0) return;
    const bytes = EventType.encode(EventType.fromObject(event)).finish();
    writeSync(this.fd, tfRecord(bytes));
  }
}
