/*
 * Will a training step fit the wasm heap? tfjs-backend-wasm 4.22.0 is wasm32: its heap grows to at most
 * 4 GiB − 64 KiB, and a step that needs more does not fail cleanly: an allocation comes back null and
 * the next kernel traps with "RuntimeError: memory access out of bounds" (the 256 px `paper` preset at
 * its default batch of 16). So the batch is checked before training starts, against an estimate of the
 * step's peak tensor memory:
 *
 *   bytes(batch) = BYTES_PER_PARAM · params (weights, gradients, Adam's m and v, init temporaries)
 *                  + batch · BYTES_PER_ELEMENT · E
 *
 * where E counts the activation elements of ONE sample that a step creates (pose maps, every encoder
 * and decoder feature map, D's three passes, a learned mapper's per-joint maps) from the model config,
 * and BYTES_PER_ELEMENT (the tape keeps several tensors per feature map: conv output, batch-norm
 * intermediates, activation, their gradients) was fitted to tf.profile's peakBytes of real steps on
 * wasm: the per-sample slope between batch 4 and 16 was 14.7 (Conditional tiny), 18.6 (Conditional
 * small, maxChannels 64), 15.2 (Semi tiny) and 17.1 (Semi small) bytes per counted element, and one
 * `paper` Conditional step at batch 1 (50.2 M parameters) grew the heap to 1,904 MiB: about 28 per
 * element once 16 bytes per parameter are taken off. 32 and 20 leave a margin; the paper preset then
 * fits batch 2 (about 3.0 GiB measured-extrapolated) and not 3.
 */
import { DGPoseError, getSkeleton } from '@dgpose/core';
import { LIMB_PARTS } from '@dgpose/mapper';
import { numScales, scaleChannels } from '@dgpose/models';

/** The largest heap tfjs-backend-wasm 4.22.0 can grow to (its getHeapMax). */
export const WASM_HEAP_LIMIT_BYTES = 4294901760;
/** Part of the heap left to what the estimate does not count (XNNPACK scratch, fragmentation). */
export const WASM_HEAP_RESERVE = 0.15;
/** Bytes of peak step memory per activation element counted by {@link activationElementsPerSample}. */
export const BYTES_PER_ELEMENT = 32;
/** Bytes per parameter: weights, gradients, Adam's two slots (16), plus what initialisation leaves in the heap. */
export const BYTES_PER_PARAM = 20;

/** What the estimate reads of a model config (@dgpose/models' ConditionalConfig / SemiConfig). */
export interface MemoryConfig {
  imageSize: number;
  bottleneckSize: number;
  baseChannels: number;
  maxChannels: number;
  latentDim: number;
  skeleton: string;
  partAppearance: boolean;
  latentInjection: string;
  discriminator: { baseChannels: number; maxChannels: number; downLayers: number };
  lossWeights: { adv: number };
  /** Semi-DGPose only. */
  mapper?: string;
  supervisedOnly?: boolean;
}

/** Activation elements one sample creates in a training step (the per-sample part of the estimate). */
export function activationElementsPerSample(c: MemoryConfig, kind: 'conditional' | 'semi'): number {
  const S = c.imageSize;
  const L = numScales(c);
  const J = getSkeleton(c.skeleton).joints.length;
  const pose = J + (c.partAppearance ? LIMB_PARTS.length : 0);
  const px = (i: number) => (S / 2 ** i) ** 2; // pixels of scale i
  const stack = (cin: number) => {
    let e = px(0) * cin;
    for (let i = 1; i <= L; i++) e += px(i) * scaleChannels(c, i);
    return e;
  };
  if (kind === 'semi' && c.supervisedOnly) return px(0) * 3 + stack(3); // q(y|x) alone
  let e = px(0) * (3 + pose); // image and pose maps
  e += stack(pose) + stack(3 + pose); // E_y, q(z|x,y)
  if (kind === 'semi') {
    e += stack(3); // q(y|x)
    // its pose maps are rendered on the tape (differentiable in y): the Gaussians' and the limb capsules'
    // intermediates, about 6 per joint map and 10 per limb segment
    e += px(0) * (6 * J + (c.partAppearance ? 10 * LIMB_PARTS.reduce((n, p) => n + p.segments.length, 0) : 0));
  }
  for (let i = L; i >= 1; i--) {
    const zIn = c.latentInjection === 'every-scale' && i < L ? c.latentDim : 0;
    e +=
      px(i) * (2 * scaleChannels(c, i) + zIn) + px(i - 1) * (i === 1 ? scaleChannels(c, 1) : scaleChannels(c, i - 1));
  }
  if (c.partAppearance) e += px(0) * (scaleChannels(c, 1) + 4 + 3); // relu(h), painted parts, alpha, output
  if (c.lossWeights.adv > 0) {
    const d = c.discriminator;
    let pass = px(0) * (3 + pose);
    for (let i = 1; i <= d.downLayers; i++) pass += px(i) * Math.min(d.baseChannels * 2 ** (i - 1), d.maxChannels);
    pass += px(d.downLayers) * Math.min(d.baseChannels * 2 ** d.downLayers, d.maxChannels);
    e += 3 * pass; // D on the fake (G's step), then on the real and the fake (D's step)
  }
  if (kind === 'semi' && c.mapper === 'learned') {
    // per joint: a 4x4x64 grid doubled to S with channels halving down to 4 (@dgpose/mapper coco18-*)
    const U = Math.round(Math.log2(S / 4));
    for (let k = 0; k <= U; k++) e += J * (4 * 2 ** k) ** 2 * Math.max(4, 64 / 2 ** k);
  }
  return e;
}

/** Estimated peak bytes of one training step at `batch`. */
export function estimateStepBytes(
  c: MemoryConfig,
  kind: 'conditional' | 'semi',
  params: number,
  batch: number,
): number {
  return BYTES_PER_PARAM * params + batch * BYTES_PER_ELEMENT * activationElementsPerSample(c, kind);
}

/** The largest batch whose estimated step fits `limitBytes` (less the reserve); 0 when none does. */
export function largestBatchThatFits(
  c: MemoryConfig,
  kind: 'conditional' | 'semi',
  params: number,
  limitBytes = WASM_HEAP_LIMIT_BYTES,
): number {
  const room = limitBytes * (1 - WASM_HEAP_RESERVE) - BYTES_PER_PARAM * params;
  return Math.max(0, Math.floor(room / (BYTES_PER_ELEMENT * activationElementsPerSample(c, kind))));
}

/**
 * Throws E_CONFIG (argument batchSize, expected the largest batch that fits) when a step at `batch` is
 * estimated not to fit the wasm heap. Other backends are not limited by wasm32 and pass.
 */
export function checkBatchFitsWasm(
  c: MemoryConfig,
  kind: 'conditional' | 'semi',
  params: number,
  batch: number,
  backend: string | null,
  limitBytes = WASM_HEAP_LIMIT_BYTES,
): void {
  if (backend !== 'wasm') return;
  const need = estimateStepBytes(c, kind, params, batch);
  if (need <= limitBytes * (1 - WASM_HEAP_RESERVE)) return;
  const fits = largestBatchThatFits(c, kind, params, limitBytes);
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const advice = fits >= 1 ? `use --batch-size ${fits} or less` : 'no batch fits: use a smaller --size or preset';
  throw new DGPoseError(
    'E_CONFIG',
    `a ${c.imageSize} px ${kind} step at batch ${batch} needs about ${gib(need)}, more than the wasm backend's ${gib(limitBytes * (1 - WASM_HEAP_RESERVE))} of usable heap (wasm32); ${advice}, or train on a GPU (tfjs-node-gpu)`,
    { argument: 'batchSize', expected: fits >= 1 ? `<= ${fits} on wasm` : 'a smaller imageSize on wasm', got: batch },
  );
}
