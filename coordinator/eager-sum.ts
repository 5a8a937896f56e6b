// The coordinator's reduction, done as the gradients arrive instead of after the last one (overlap): each
// block's result is added to its sibling in the fixed tree (DESIGN.md §3) as soon as both are in, and so on up.
// Every node is still (left child + right child), so the bits are those of reduceNode over all blocks at the
// end, whatever the arrival order; only the waiting is shorter.
import { addInto, addStats, parentOf, reduceNode, type Block } from '../src/train/reduce.js';
import type { BlockResult } from './round-work.js';

const key = (b: Block) => `${b.lo}:${b.n}`;

export class EagerSum {
  /** Sums of tree nodes whose parent cannot be formed yet (its other child is not in). */
  private readonly nodes = new Map<string, BlockResult>();

  constructor(private readonly total: number) {}

  /** Adds a block's result (consumed: sums are formed in place in the left child's arrays). */
  add(block: Block, result: BlockResult): void {
    let node = block;
    let sum = result;
    for (;;) {
      const up = parentOf(node, this.total);
      const other = up && this.nodes.get(key(up.sibling));
      if (!up || !other) break;
      this.nodes.delete(key(up.sibling));
      const [left, right] = up.sibling.lo < node.lo ? [other, sum] : [sum, other];
      sum = { grads: addInto(left.grads, right.grads), stats: addStats(left.stats, right.stats) };
      node = up.parent;
    }
    this.nodes.set(key(node), sum);
  }

  /** The whole tree's sum (the rest of the adds, when some were left: never, once every block is in). */
  result(): BlockResult {
    return reduceNode(0, this.total, (lo, n) => this.nodes.get(`${lo}:${n}`), (a, b) => ({ grads: addInto(a.grads, b.grads), stats: addStats(a.stats, b.stats) }));
  }
}
