// The `freeze` section: networks' layers that fine-tuning leaves as they are (FreezeD, Mo et al. 2020,
// "Freeze the Discriminator: a Simple Baseline for Fine-Tuning GANs"). Which names exist depends on the
// model, so names and block counts are checked against the built networks (src/train/freeze.ts).
import { z } from 'zod';

/**
 * What to freeze of one network: a list of layer names (`[D_fc0, D_fc1]`; a residual block's prefix such as
 * `D_block1` names all its layers), or the first k blocks counted from the network's input
 * (`{ firstBlocks: 2 }`; blocks as src/train/freeze.ts groups them).
 */
export const freezeSpecSchema = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({ firstBlocks: z.number().int().positive().max(1000) }),
]);
export type FreezeSpec = z.infer<typeof freezeSpecSchema>;

/** Per network name (G, D; encoder, decoder): what is frozen. Absent or `{}`: everything trains. */
export const freezeSchema = z.record(z.string(), freezeSpecSchema).default({});
export type FreezeConfig = z.infer<typeof freezeSchema>;
