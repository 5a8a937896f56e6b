// V8's heap growth for ganymede's processes (the CLI: coordinator, workers, bench; and bench comm's peer).
import v8 from 'node:v8';

/**
 * Lets V8 grow the heap by 100% after a full GC instead of its own factor, which falls to 10% for a heap that
 * allocates little, as ours do: they move large ZeroMQ buffers (external memory) and few JS objects. Measured
 * with --trace-gc on the seed GAN, 1 worker, 60 steps: V8's own factor ran 81 mark-compacts of the coordinator's
 * ~40 MB heap (10-35 ms each, incremental steps included) while it grew by under 4 MB between them; with 100%, 29.
 * Alternate runs of `bench step`: 255, 268 and 340 samples/s without, 447, 386 and 336 with; `bench comm` at 10 MB
 * over ipc: 1.75x raw ZeroMQ without, 1.34x with (docs/benchmarks.md). The flag is read at each GC, so setting it
 * at startup takes effect. GANYMEDE_HEAP_GROWTH=<percent> sets another value; 0 leaves V8's heuristics alone.
 */
export function growHeapFreely(): void {
  const percent = Number(process.env.GANYMEDE_HEAP_GROWTH ?? 100);
  if (Number.isInteger(percent) && percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
