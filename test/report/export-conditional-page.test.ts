// The exported page of a class-conditional G feeds [z, one-hot y]: one class per row by default, or the class
// picked in the page's select (headless Chromium; the toy G makes each class a known grey level).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { exportCheckpoint } from '../../src/checkpoint/export.js';
import { resolveConfig } from '../../src/config/index.js';
import { tempDir } from '../integration/cli.js';
import { openPage } from './browser.js';
import { classOnlyG } from './fixtures.js';

const root = tempDir('export-cond');
after(() => rmSync(root, { recursive: true, force: true }));

test('the page of a conditional G draws the chosen classes', { timeout: 120_000 }, async () => {
  await tf.setBackend('cpu');
  const config = resolveConfig({ name: 'cgan', model: { latentDim: 4 } }, 'test');
  const G = classOnlyG(4, 3);
  const out = path.join(root, 'web');
  await exportCheckpoint({ dir: 'toy', step: 1, config, networks: { G }, state: {}, meta: {} }, config, out);
  G.dispose();

  const { browser, page, problems } = await openPage(`file://${path.join(out, 'index.html')}`);
  try {
    await page.waitForFunction("!document.getElementById('draw').disabled", { timeout: 60_000 });
    // Grey level of the first pixel of tile (row, col) on the 8 x 8 canvas (tiles 28 px + 2 px gaps).
    const tile = (r: number, c: number) =>
      page.evaluate(`document.getElementById('grid').getContext('2d').getImageData(${2 + c * 30}, ${2 + r * 30}, 1, 1).data[0]`) as Promise<number>;
    await page.click('#draw');
    await page.waitForFunction("document.body.dataset.drawn === '1'", { timeout: 60_000 });
    assert.deepEqual([await tile(0, 0), await tile(1, 5), await tile(2, 7), await tile(3, 0)], [0, 128, 255, 0]);
    await page.select('#class', '2');
    await page.click('#draw');
    await page.waitForFunction("document.body.dataset.drawn === '2'", { timeout: 60_000 });
    assert.deepEqual([await tile(0, 0), await tile(1, 5), await tile(7, 7)], [255, 255, 255]);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
