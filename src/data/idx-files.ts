// File names, default folders, mirrors and SHA-256 checksums of the IDX datasets (MNIST, Fashion-MNIST).

/** The sources stored as four IDX files in a folder. */
export type IdxSource = 'mnist' | 'fashion-mnist';

/** The base names (without .gz) of each split's files; the same for MNIST and Fashion-MNIST. */
export const IDX_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** The four files a download fetches, as the mirrors name them. */
export const DOWNLOAD_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

export type DownloadFile = (typeof DOWNLOAD_FILES)[number];

/**
 * SHA-256 of the upstream .gz files, as TensorFlow Datasets records them
 * (tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt). The Fashion-MNIST values were also
 * reproduced from Debian's dataset-fashion-mnist files: Debian strips the gzip header's file name and time,
 * and putting back the upstream header (name, mtime 2017-08-31) over Debian's unchanged deflate stream gives
 * exactly these hashes, so Debian's files hold the upstream data.
 */
export const SHA256: Record<IdxSource, Record<DownloadFile, string>> = {
  mnist: {
    'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
    't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
    't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
  'fashion-mnist': {
    'train-images-idx3-ubyte.gz': '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    'train-labels-idx1-ubyte.gz': 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    't10k-images-idx3-ubyte.gz': '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    't10k-labels-idx1-ubyte.gz': '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
  },
};

/** Mirrors known to serve the files above (the ones TensorFlow Datasets uses); `ganymede data download` default. */
export const DEFAULT_MIRRORS: Record<IdxSource, string> = {
  mnist: 'https://storage.googleapis.com/cvdf-datasets/mnist',
  'fashion-mnist': 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
};

/** Where a source is read from when the spec names no folder: Debian's dataset-fashion-mnist installs here. */
export const DEFAULT_DIRS: Partial<Record<IdxSource, string>> = {
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};

/** The line printed after a "missing data" error: how to get the files. */
export function installHint(source: IdxSource, dir: string): string {
  const download = `ganymede data download --source ${source} --dir ${dir}`;
  return source === 'fashion-mnist' && dir === DEFAULT_DIRS['fashion-mnist']
    ? `apt-get install dataset-fashion-mnist, or ${download}`
    : `run ${download}`;
}
