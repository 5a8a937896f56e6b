// The in-memory dataset every source produces (DESIGN.md §8): uint8 images in NHWC order plus uint8 labels.
import { DataError } from '../errors.js';

/** Which half of a dataset: the training images or the held-out test images. */
export type Split = 'train' | 'test';

/** The splits, in the order configs and error messages list them. */
export const SPLITS: readonly Split[] = ['train', 'test'];

/** A labelled image dataset held in memory; the coordinator owns it and ships pixels to workers. */
export interface Dataset {
  /** The source name, e.g. 'mnist-embedded'. */
  readonly name: string;
  readonly split: Split;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  /** [count, height, width, channels] row-major, 0..255. */
  readonly images: Uint8Array;
  /** [count], each < classes. */
  readonly labels: Uint8Array;
  /** A view (no copy) of image i: [height, width, channels]. */
  pixels(i: number): Uint8Array;
  label(i: number): number;
}

/** What a source hands to {@link ArrayDataset}: a Dataset's fields without the derived ones. */
export type DatasetParts = Omit<Dataset, 'count' | 'pixels' | 'label'>;

/** A {@link Dataset} over two flat arrays; checks that the arrays agree with the shape once, at construction. */
export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly split: Split;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  private readonly imageSize: number;

  constructor(parts: DatasetParts) {
    const { name, images, labels } = parts;
    this.imageSize = parts.height * parts.width * parts.channels;
    if (images.length !== labels.length * this.imageSize) {
      throw new DataError(
        `${name} (${parts.split}): ${labels.length} labels need ${labels.length * this.imageSize} pixel bytes ` +
          `(${parts.height}x${parts.width}x${parts.channels} each), got ${images.length}`,
      );
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] >= parts.classes) {
        throw new DataError(`${name} (${parts.split}): label ${labels[i]} at index ${i} is not below ${parts.classes}`);
      }
    }
    this.name = name;
    this.split = parts.split;
    this.count = labels.length;
    this.height = parts.height;
    this.width = parts.width;
    this.channels = parts.channels;
    this.classes = parts.classes;
    this.images = images;
    this.labels = labels;
  }

  pixels(i: number): Uint8Array {
    this.check(i);
    return this.images.subarray(i * this.imageSize, (i + 1) * this.imageSize);
  }

  label(i: number): number {
    this.check(i);
    return this.labels[i];
  }

  // An out-of-range index would otherwise give an empty view or undefined, and a silent wrong batch.
  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`${this.name} (${this.split}): index ${i} is outside 0..${this.count - 1}`);
    }
  }
}
