/* Fixed inputs shared by the parity tests and the bench (deterministic, no tfjs RNG). */
import { createRng } from '@dgpose/core';

/** n images [n,S,S,3] in [-1,1], n poses [n,2J] in [-0.7,0.7] with joint 3 of row 1 missing, visible [n,J], z [n,d]. */
export function fixedInputs(
  n: number,
  S: number,
  J: number,
  d: number,
  seed = 7,
): { images: Float32Array; poses: Float32Array; visible: Float32Array; z: Float32Array } {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: n * S * S * 3 }, () => rng.next() * 2 - 1);
  const poses = Float32Array.from({ length: n * 2 * J }, () => rng.next() * 1.4 - 0.7);
  const visible = new Float32Array(n * J).fill(1);
  if (n > 1) {
    visible[J + 3] = 0;
    poses[(J + 3) * 2] = 0;
    poses[(J + 3) * 2 + 1] = 0;
  }
  const z = Float32Array.from({ length: n * d }, () => rng.normal());
  return { images, poses, visible, z };
}

/** Max |a − b| (lengths must agree). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
