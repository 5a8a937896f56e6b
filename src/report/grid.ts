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

/** Value range of model outputs: tanh generators give [-1, 1], sigmoid decoders and the data give [0, 1]. */
export type PixelRange = '[-1,1]' | '[0,1]';

/** Maps float pixels of `range` to uint8 0..255 (rounded, clipped): -1 and 0 -> 0, 1 -> 255. */
export function toUint8(values: ArrayLike<number>, range: PixelRange): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const unit = range === '[-1,1]' ? (values[i] + 1) / 2 : values[i];
    out[i] = Math.min(255, Math.max(0, Math.round(unit * 255)));
  }
  return out;
}

/** Top-left pixel of tile k (row-major) in a grid of tiles tileH x tileW with `gap` pixels around each. */
export function tileOrigin(k: number, cols: number, tileH: number, tileW: number, gap: number): { top: number; left: number } {
  return { top: gap + Math.floor(k / cols) * (tileH + gap), left: gap + (k % cols) * (tileW + gap) };
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
    const { top, left } = tileOrigin(k, opts.cols, tileH, tileW, gap);
    for (let y = 0; y < tileH; y++) {
      for (let x = 0; x < tileW; x++) {
        png.data[(top + y) * width + left + x] = images[k * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)];
      }
    }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
