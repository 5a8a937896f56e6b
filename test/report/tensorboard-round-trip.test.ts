// The TensorBoard writer's files parse back with an independent reader: framing, CRCs, scalars and images.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gridPng } from '../../src/report/grid.js';
import { maskedCrc32c, pngImage, TensorBoardWriter } from '../../src/report/tensorboard.js';
import { crc32cBitwise, parseEvent, readRecords } from './tb-reader.js';

test('CRC32C matches the bitwise reference and the standard check value', () => {
  // RFC 3720 B.4 check value: CRC32C("123456789") = 0xE3069283.
  assert.equal(crc32cBitwise(Buffer.from('123456789')), 0xe3069283);
  const bytes = Buffer.from([...Array(1000).keys()].map((i) => (i * 37 + 11) & 255));
  const crc = crc32cBitwise(bytes);
  assert.equal(maskedCrc32c(bytes), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
});

test('scalars and images round-trip through an event file', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new TensorBoardWriter(dir, 1_700_000_000_000);
  w.scalars(1, { step: 1, 'loss/D': 1.25, 'loss/G': 0.75, 'lr/D': 2e-4, bad: Number.NaN, note: 'text' }, 1_700_000_001_000);
  w.scalars(2, { 'loss/D': 1.0 }, 1_700_000_002_500);
  const png = gridPng(new Uint8Array(4 * 28 * 28).fill(200), 28, 28, { rows: 2, cols: 2 });
  w.image(2, 'samples', pngImage(png), 1_700_000_003_000);
  w.close();

  assert.match(path.basename(w.file), /^events\.out\.tfevents\.1700000000\./);
  const events = readRecords(readFileSync(w.file)).map(parseEvent);
  assert.equal(events.length, 4);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].wallTime, 1_700_000_000);

  assert.equal(events[1].step, 1);
  assert.equal(events[1].wallTime, 1_700_000_001);
  assert.deepEqual(events[1].values.map((v) => v.tag), ['loss/D', 'loss/G', 'lr/D']); // NaN and text skipped
  assert.equal(events[1].values[0].simpleValue, 1.25);
  assert.equal(events[1].values[2].simpleValue, Math.fround(2e-4)); // simple_value is a float32
  assert.equal(events[2].wallTime, 1_700_000_002.5);

  const img = events[3].values[0];
  assert.equal(img.tag, 'samples');
  assert.deepEqual({ h: img.image?.height, w: img.image?.width, c: img.image?.colorspace }, { h: 2 * 58 + 2, w: 2 * 58 + 2, c: 1 });
  assert.deepEqual(Buffer.from(img.image!.png), png);
});

test('a flipped byte fails the CRC check of the reader', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new TensorBoardWriter(dir);
  w.scalars(7, { x: 3 });
  w.close();
  const bytes = readFileSync(w.file);
  assert.equal(readRecords(bytes).length, 2);
  bytes[bytes.length - 6] ^= 0x01; // inside the last record's data
  writeFileSync(w.file, bytes);
  assert.throws(() => readRecords(readFileSync(w.file)), /bad data CRC/);
});
