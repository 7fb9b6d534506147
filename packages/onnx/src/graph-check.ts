/*
 * Checks that what the engine is given is ours: a dgpose-onnx manifest of this format version, and graphs
 * whose inputs and outputs have the names and shapes of our export (export.ts), before any session opens.
 */
import { DGPoseError } from '@dgpose/core';
import { type Dim, decodeModelInfo } from './graph';
import { ONNX_FORMAT_VERSION, type OnnxGraphName, type OnnxManifest } from './export';

/** Inputs each graph must have, with the names and shapes of an export of this format. */
function expectedInputs(m: OnnxManifest, g: OnnxGraphName): { name: string; dims: Dim[] }[] {
  const S = m.imageSize;
  const J = m.joints;
  const pose = [
    { name: 'pose', dims: ['batch', 2 * J] as Dim[] },
    { name: 'visible', dims: ['batch', J] as Dim[] },
  ];
  switch (g) {
    case 'encoder':
      return [{ name: 'image', dims: ['batch', S, S, 3] }, ...pose];
    case 'decoder':
      return [{ name: 'z', dims: ['batch', m.latentDim ?? 0] }, ...pose];
    case 'pose-estimator':
      return [{ name: 'image', dims: ['batch', S, S, 3] }];
    default:
      return pose;
  }
}

const OUTPUTS: Record<OnnxGraphName, string[]> = {
  encoder: ['z_mu', 'z_logvar'],
  decoder: ['image'],
  'pose-estimator': ['pose_mu', 'pose_logvar'],
  'pose-maps': ['pose_maps'],
  prior: ['z_mu', 'z_logvar'],
  mapper: ['heatmaps'],
};

const fmt = (xs: { name: string; dims: Dim[] }[]): string =>
  xs.map((x) => `${x.name} [${x.dims.join(',')}]`).join(', ');

/**
 * Checks that `bytes` is the graph `g` of this export: an ONNX model whose inputs and outputs have our names
 * and shapes. E_WEIGHTS_MISMATCH naming the file, what was expected and what it has.
 */
export function checkGraphInterface(m: OnnxManifest, g: OnnxGraphName, file: string, bytes: Uint8Array): void {
  let info;
  try {
    info = decodeModelInfo(bytes);
  } catch (e) {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', `${file} is not an ONNX model`, {
      argument: file,
      expected: 'an ONNX ModelProto',
      got: `${bytes.byteLength} unreadable bytes`,
      cause: e,
    });
  }
  const want = expectedInputs(m, g);
  const got = info.inputs;
  const same =
    want.length === got.length &&
    want.every(
      (w, i) =>
        w.name === got[i].name &&
        w.dims.length === got[i].dims.length &&
        w.dims.every((d, k) => (typeof d === 'string' ? true : d === got[i].dims[k])),
    );
  if (!same) {
    throw new DGPoseError(
      'E_WEIGHTS_MISMATCH',
      `${file} is not the '${g}' graph of this export: its inputs are not ours`,
      { argument: file, expected: fmt(want), got: fmt(got) || 'no inputs' },
    );
  }
  const outs = info.outputs.map((o) => o.name);
  if (OUTPUTS[g].some((o) => !outs.includes(o))) {
    throw new DGPoseError(
      'E_WEIGHTS_MISMATCH',
      `${file} is not the '${g}' graph of this export: its outputs are not ours`,
      { argument: file, expected: OUTPUTS[g], got: outs },
    );
  }
}

/** E_WEIGHTS_CORRUPT / E_WEIGHTS_VERSION unless `m` is a manifest of this format for a model. */
export function checkManifest(m: unknown, where = ONNX_FORMAT_VERSION.toString()): asserts m is OnnxManifest {
  const o = m as Partial<OnnxManifest> | null;
  if (!o || typeof o !== 'object' || o.format !== 'dgpose-onnx') {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', 'not a dgpose-onnx manifest', {
      argument: where,
      expected: "format 'dgpose-onnx'",
      got: o && typeof o === 'object' ? o.format : typeof o,
    });
  }
  if (o.formatVersion !== ONNX_FORMAT_VERSION) {
    throw new DGPoseError('E_WEIGHTS_VERSION', 'a dgpose-onnx export of another format version', {
      argument: where,
      expected: ONNX_FORMAT_VERSION,
      got: o.formatVersion,
    });
  }
  if (!o.graphs || typeof o.graphs !== 'object' || !Number.isInteger(o.imageSize) || !Number.isInteger(o.joints)) {
    throw new DGPoseError('E_WEIGHTS_CORRUPT', 'the dgpose-onnx manifest lacks graphs, imageSize or joints', {
      argument: where,
    });
  }
}
