/* Universal loading of zoo weights from bytes (the node entry reads them from the package folder). */
import { DGPoseError, type WeightsManifest } from '@dgpose/core';
import { loadModelFromWeights, type ConditionalConfig, type DGPoseModel, type SemiDGPoseModel } from '@dgpose/models';
import { loadPoseRegressorFromWeights, type PoseRegressor } from './pose-regressor';
import { getZooEntry, type ZooEntry, type ZooKind } from './registry';

/** What loadPretrained gives for each kind of entry. */
export type PretrainedOfKind<K extends ZooKind> = K extends 'pose-regressor'
  ? PoseRegressor
  : K extends 'semi'
    ? SemiDGPoseModel
    : DGPoseModel<ConditionalConfig>;
export type PretrainedModel = PoseRegressor | SemiDGPoseModel | DGPoseModel<ConditionalConfig>;

/**
 * Throws E_WEIGHTS_CORRUPT unless the manifest's shards are exactly the ones pinned in the
 * registry (count, paths, sizes, sha256). Bytes are checked against the manifest by decodeWeights.
 */
export function checkPinnedShards(entry: ZooEntry, manifest: WeightsManifest): void {
  const got = Array.isArray(manifest?.shards) ? manifest.shards : [];
  if (got.length !== entry.shards.length) {
    throw new DGPoseError(
      'E_WEIGHTS_CORRUPT',
      `weights of '${entry.name}' have another number of shards than the registry pins`,
      { argument: 'manifest.shards', expected: entry.shards.length, got: got.length },
    );
  }
  entry.shards.forEach((pin, i) => {
    const s = got[i];
    if (s.path !== pin.path || s.byteLength !== pin.byteLength || s.sha256 !== pin.sha256) {
      throw new DGPoseError(
        'E_WEIGHTS_CORRUPT',
        `weights of '${entry.name}' differ from the registry's pinned shard ${pin.path} (sha256)`,
        {
          argument: `shards[${i}]`,
          expected: pin,
          got: s,
          path: s.path,
        },
      );
    }
  });
}

/**
 * A ready model or estimator from the bytes of a zoo entry (e.g. fetched over HTTP in a browser):
 * checks the pinned sha256s, the manifest kind and every shard's sha256, then builds the model.
 * E_ARG for an unknown name (listing the valid ones), E_WEIGHTS_CORRUPT for other bytes.
 */
export function loadPretrainedFromBytes(
  name: 'pose-regressor-64',
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
): Promise<PoseRegressor>;
export function loadPretrainedFromBytes(
  name: `semi-${string}` | `supervised-${string}`,
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
): Promise<SemiDGPoseModel>;
export function loadPretrainedFromBytes(
  name: `conditional-${string}`,
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
): Promise<DGPoseModel<ConditionalConfig>>;
export function loadPretrainedFromBytes(
  name: string,
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
): Promise<PretrainedModel>;
export async function loadPretrainedFromBytes(
  name: string,
  src: { manifest: WeightsManifest; shards: Uint8Array[] },
): Promise<PretrainedModel> {
  const entry = getZooEntry(name);
  if (typeof src !== 'object' || src === null)
    throw new DGPoseError('E_ARG', 'src must be { manifest, shards }', { argument: 'src', got: src });
  checkPinnedShards(entry, src.manifest);
  if (src.manifest.kind !== entry.weightsKind) {
    throw new DGPoseError('E_WEIGHTS_MISMATCH', `weights of '${entry.name}' are of another kind`, {
      argument: 'manifest.kind',
      expected: entry.weightsKind,
      got: src.manifest.kind ?? 'none',
    });
  }
  if (entry.kind === 'pose-regressor') return loadPoseRegressorFromWeights(src);
  const model = await loadModelFromWeights(src);
  if (model.kind !== entry.kind) {
    model.dispose();
    throw new DGPoseError('E_WEIGHTS_MISMATCH', `weights of '${entry.name}' hold another model`, {
      argument: 'kind',
      expected: entry.kind,
      got: model.kind,
    });
  }
  return model as PretrainedModel;
}
