/*
 * A model's weights as one NamedArrays: the generator's parameters and buffers under their module paths,
 * the discriminator's under `discriminator.`, and a subclass's extras (ModelExtras) under their own prefixes.
 * Loading checks everything before anything changes, so a bad file leaves the model as it was.
 */
import { DGPoseError, type NamedArrays } from '@dgpose/core';
import { checkNamedArrays, loadNamedArrays, toNamedArrays } from '@dgpose/layers';
import type { GeneratorNet } from './generator-net';
import type { PatchDiscriminator } from './networks';

/**
 * State a model stores beside its networks, under its own name prefixes (Semi: the frozen mapper and p(y),
 * semi-weights.ts). The weights IO below calls it; `check` throws before anything changes.
 */
export interface ModelExtras {
  readonly prefixes: readonly string[];
  arrays(): Promise<NamedArrays>;
  check(arrays: NamedArrays): void;
  load(arrays: NamedArrays): void;
  manifestConfig(): Record<string, unknown>;
  paramCounts(): Record<string, number>;
  dispose(): void;
}

/** The parts whose weights a model holds. */
export interface WeightParts {
  net: GeneratorNet;
  disc: PatchDiscriminator | null;
  extras: ModelExtras | null;
}

const D = 'discriminator.';

/** Every weight (generator, buffers, extras; the discriminator with includeDiscriminator). */
export async function modelArrays(parts: WeightParts, includeDiscriminator: boolean): Promise<NamedArrays> {
  const out: NamedArrays = { ...(await toNamedArrays(parts.net)) };
  if (includeDiscriminator && parts.disc) {
    for (const [k, v] of Object.entries(await toNamedArrays(parts.disc))) out[D + k] = v;
  }
  return { ...out, ...(await parts.extras?.arrays()) };
}

/**
 * Loads weights (all checked first: E_WEIGHTS_MISMATCH naming the first missing, extra or reshaped entry,
 * nothing changed then). Discriminator entries are optional (exported weights have none).
 */
export function loadModelArrays(parts: WeightParts, arrays: NamedArrays): void {
  if (!arrays || typeof arrays !== 'object')
    throw new DGPoseError('E_ARG', 'weights must be NamedArrays', { argument: 'weights' });
  const { net, disc, extras } = parts;
  const netA: NamedArrays = {};
  const discA: NamedArrays = {};
  const extraA: NamedArrays = {};
  for (const [k, v] of Object.entries(arrays)) {
    if (k.startsWith(D)) discA[k.slice(D.length)] = v;
    else if (extras?.prefixes.some((p) => k.startsWith(p))) extraA[k] = v;
    else netA[k] = v;
  }
  const hasD = Object.keys(discA).length > 0;
  if (hasD && !disc) {
    throw new DGPoseError(
      'E_WEIGHTS_MISMATCH',
      'the weights hold a discriminator but this model has none (lossWeights.adv = 0)',
      {
        argument: Object.keys(arrays).find((k) => k.startsWith(D)),
        expected: 'no discriminator.* entries',
        got: 'discriminator weights',
      },
    );
  }
  checkNamedArrays(net, netA);
  if (hasD && disc) checkNamedArrays(disc, discA);
  extras?.check(extraA);
  loadNamedArrays(net, netA);
  if (hasD && disc) loadNamedArrays(disc, discA);
  extras?.load(extraA);
}
