/*
 * Training needs tfjs's gradient registrations, and tfjs-core registers none by itself in Node (see
 * ../shared/design/tfjs-backends.md, TL;DR 2). They come with @tensorflow/tfjs-layers, whose Node
 * bundle registers them all on import. That package is 31 MB, and inference never needs it, so it is
 * an optional peer: initBackend() imports it when it is installed, and every training entry point
 * calls requireGradients first, so a missing one is a coded error up front instead of tfjs's
 * "gradient function not found" from deep inside a backward pass.
 */
import { DGPoseError } from './errors';
import type { TF } from './kernels/types';

/** Kernels whose gradients every dgpose network needs (tfjs-layers registers all of them at once). */
const SENTINELS = ['Conv2D', 'Conv2DBackpropInput', 'Multiply', 'Sum'];

/**
 * Throws E_BACKEND naming `context` and the fix when tfjs's gradients are not registered. `tf` is the
 * tfjs-core module in use (core never imports tfjs statically).
 */
export function requireGradients(tf: Pick<TF, 'getGradient'>, context: string): void {
  const missing = SENTINELS.filter((k) => tf.getGradient(k) === undefined);
  if (missing.length === 0) return;
  throw new DGPoseError(
    'E_BACKEND',
    `${context} needs tfjs's gradient registrations, which come with @tensorflow/tfjs-layers (an optional peer): ` +
      `install it (npm i @tensorflow/tfjs-layers@^4.22.0), then call initBackend() or import '@tensorflow/tfjs-layers' before training`,
    { argument: 'gradients', expected: 'registered gradients', got: `none for ${missing.join(', ')}` },
  );
}
