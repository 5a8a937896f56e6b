// The training progress display: a cli-progress bar (steps, samples/s, losses, ETA) on a terminal, and a
// plain line every ~5% of the run otherwise (CI logs, pipes).
import cliProgress from 'cli-progress';

export interface Progress {
  step(line: Record<string, number>): void;
  event(text: string): void;
  stop(): void;
}

function lossText(line: Record<string, number>): string {
  const parts: string[] = [];
  for (const k of ['loss/D', 'loss/G', 'loss/VAE']) if (k in line) parts.push(`${k.slice(5)} ${line[k].toFixed(3)}`);
  return parts.join(' ');
}

export function createProgress(total: number, start: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    const every = Math.max(1, Math.round(total / 20));
    return {
      step(line) {
        if (line.step % every === 0 || line.step === total) {
          stream.write(`step ${line.step}/${total}  ${line['samples/s'].toFixed(0)} samples/s  ${lossText(line)}\n`);
        }
      },
      event: (text) => stream.write(`${text}\n`),
      stop: () => undefined,
    };
  }
  // The bar starts with the first step, so that start-up logs (workers joining) print above it, not through it.
  let bars: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  return {
    step(line) {
      if (!bars) {
        bars = new cliProgress.MultiBar(
          {
            stream,
            format: 'train |{bar}| {value}/{total} steps | {sps} samples/s | {loss} | ETA {eta_formatted}',
            barsize: 24,
            etaBuffer: 50,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar = bars.create(total, start, { sps: '-', loss: '' });
      }
      bar?.update(line.step, { sps: line['samples/s'].toFixed(0), loss: lossText(line) });
    },
    event: (text) => (bars ? bars.log(`${text}\n`) : stream.write(`${text}\n`)),
    stop: () => bars?.stop(),
  };
}
