// Image grids as PNG (pngjs): rows x cols tiles with a gap, grey-scale images scaled up for viewing.
import { PNG } from 'pngjs';

export interface GridOptions {
  rows: number;
  cols: number;
  /** Pixels between tiles and around the border. */
  gap?: number;
  /** Each image pixel becomes scale x scale pixels. */
  scale?: number;
}

/** Encodes `images` (uint8 [n, h, w, 1] flattened) into a PNG grid; missing tiles stay dark. */
export function gridPng(images: Uint8Array, h: number, w: number, opts: GridOptions): Buffer {
  const gap = opts.gap ?? 2;
  const scale = opts.scale ?? 2;
  const tileH = h * scale;
  const tileW = w * scale;
  const width = opts.cols * (tileW + gap) + gap;
  const height = opts.rows * (tileH + gap) + gap;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.alloc(width * height, 48); // grey frame between tiles
  const n = Math.min(images.length / (h * w), opts.rows * opts.cols);
  for (let k = 0; k < n; k++) {
    const top = gap + Math.floor(k / opts.cols) * (tileH + gap);
    const left = gap + (k % opts.cols) * (tileW + gap);
    for (let y = 0; y < tileH; y++) {
      for (let x = 0; x < tileW; x++) {
        png.data[(top + y) * width + left + x] = images[k * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)];
      }
    }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
