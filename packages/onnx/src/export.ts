/*
 * Export of a loaded Conditional-DGPose / Semi-DGPose model (and of a learned mapper) to ONNX: one graph per
 * use, each a self-contained .onnx file with named, documented inputs and outputs, IR version and opset set
 * explicitly, and a `dgpose` metadata entry (JSON) saying what it is. Everything is built in memory first, so
 * an export that fails (E_EXPORT_UNSUPPORTED naming the layer) writes nothing.
 *
 * Layout at the graph boundary is tfjs's: images NHWC [N,S,S,3] in [-1,1]; poses [N,2J] normalised coordinates
 * (aligned corners, x' = 2x/(W−1) − 1; missing joints 0) with visibility [N,J] (1 = present). The pose → maps
 * rendering (Gaussian heatmaps or the learned mapper, and the part masks) is part of each graph that needs it.
 */
import { DGPoseError, type NamedArrays, sha256Hex } from '@dgpose/core';
import { LIMB_PARTS, type Mapper, type MapperNetwork, type MapperConfig } from '@dgpose/mapper';
import type { BaseModel, ConditionalConfig, SemiConfig, SemiDGPose } from '@dgpose/models';
import { type Dim, GraphBuilder, ONNX_IR_VERSION, ONNX_OPSET, type Value, encodeModel } from './graph';
import { type EmitContext, readVariables } from './emit-layers';
import {
  type PoseMapsSpec,
  emitAppearanceEncoder,
  emitDecoder,
  emitLearnedPrior,
  emitMapperNetwork,
  emitPoseEncoder,
  emitPoseEstimator,
  emitPoseMaps,
} from './emit-models';

/** Version of the export layout (graph names, inputs, outputs, manifest). */
export const ONNX_FORMAT_VERSION = 1;
/** Name of the manifest written beside the .onnx files (last, so its presence marks a complete export). */
export const ONNX_MANIFEST_FILE = 'dgpose-onnx.json';

/** The graphs of an export. */
export type OnnxGraphName = 'encoder' | 'decoder' | 'pose-estimator' | 'pose-maps' | 'prior' | 'mapper';
export const ONNX_GRAPH_NAMES: readonly OnnxGraphName[] = Object.freeze([
  'encoder',
  'decoder',
  'pose-estimator',
  'pose-maps',
  'prior',
  'mapper',
] as const);

/** An input or output of a graph: name, shape ('batch' symbolic) and meaning. */
export interface OnnxTensorSpec {
  name: string;
  shape: Dim[];
  doc: string;
}

/** One graph file of an export. */
export interface OnnxGraphEntry {
  file: string;
  sha256: string;
  bytes: number;
  doc: string;
  inputs: OnnxTensorSpec[];
  outputs: OnnxTensorSpec[];
}

/** The pose prior p(y) of a Semi model (plain arrays; `cholesky` row-major [2J·2J] or null when diagonal). */
export interface OnnxPosePrior {
  center: number[];
  scale: number[];
  mean: number[];
  logvar: number[];
  cholesky: number[] | null;
  fitted: boolean;
}

/** What an export is: written as dgpose-onnx.json beside the graphs. */
export interface OnnxManifest {
  format: 'dgpose-onnx';
  formatVersion: number;
  irVersion: number;
  opset: number;
  producerVersion: string;
  /** 'conditional' | 'semi' | 'mapper' (a learned mapper alone). */
  modelKind: 'conditional' | 'semi' | 'mapper';
  /** The model config (as in its weights manifest); null for a mapper alone. */
  config: ConditionalConfig | SemiConfig | null;
  /** The learned mapper's config, when there is one. */
  mapper: MapperConfig | null;
  imageSize: number;
  joints: number;
  /** Channels of the pose maps (J, + P part masks with partAppearance). */
  poseChannels: number;
  latentDim: number | null;
  posePrior: OnnxPosePrior | null;
  graphs: Partial<Record<OnnxGraphName, OnnxGraphEntry>>;
}

/** An export in memory: the manifest and the file bytes by file name. */
export interface OnnxExport {
  manifest: OnnxManifest;
  files: Record<string, Uint8Array>;
}

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** Graphs to write (default: every graph the model has). */
  graphs?: readonly OnnxGraphName[];
}

// Keep in step with package.json (checked by a test).
export const PACKAGE_VERSION = '0.1.0';

const DOC = {
  image: 'RGB images, NHWC float32 in [-1, 1] (uint8 / 127.5 − 1), at the model size',
  pose: 'poses as normalised coordinates x0, y0, x1, y1, ... in [-1, 1] (aligned corners: x = 2·px/(W−1) − 1); missing joints 0',
  visible: 'joint visibility, 1 = present, 0 = missing (its maps are zero)',
  z: 'appearance latent z (d_z values per row)',
};

type Spec = { name: string; shape: Dim[]; doc: string };

interface GraphDef {
  name: OnnxGraphName;
  doc: string;
  inputs: Spec[];
  build: (ctx: EmitContext, inputs: Value[]) => { value: Value; spec: Spec }[];
}

/** Semi-DGPose carries a learned mapper; `kind` is the runtime tag of the model classes. */
function isSemi(model: BaseModel<ConditionalConfig>): model is SemiDGPose {
  return model.kind === 'semi';
}

/** The model's joint renderer and network config. */
function poseMapsSpec(model: BaseModel<ConditionalConfig>): PoseMapsSpec {
  const c = model.config;
  const mapper = isSemi(model) ? model.mapper : null;
  return {
    size: c.imageSize,
    joints: model.joints,
    renderer: mapper ? { kind: 'learned', network: mapper.network } : { kind: 'gaussian', sigma: c.heatmapSigma },
    parts: c.partAppearance,
  };
}

function toNHWC(ctx: EmitContext, v: Value, hint: string): Value {
  const [n, c, h, w] = v.shape;
  return ctx.b.op1('Transpose', [v.name], [n, h, w, c], { perm: [0, 2, 3, 1] }, hint);
}

function toNCHW(ctx: EmitContext, v: Value, hint: string): Value {
  const [n, h, w, c] = v.shape;
  return ctx.b.op1('Transpose', [v.name], [n, c, h, w], { perm: [0, 3, 1, 2] }, hint);
}

function priorArrays(arrays: NamedArrays, d: number): OnnxPosePrior {
  const get = (k: string): number[] => {
    const a = arrays[`posePrior.${k}`];
    if (!a || a.data.length !== d)
      throw new DGPoseError('E_WEIGHTS_MISMATCH', `the model has no posePrior.${k} [${d}]`, {
        argument: `posePrior.${k}`,
        expected: [d],
        got: a?.shape ?? 'missing',
      });
    return Array.from(a.data);
  };
  const ch = arrays['posePrior.cholesky'];
  return {
    center: get('center'),
    scale: get('scale'),
    mean: get('mean'),
    logvar: get('logvar'),
    cholesky: ch ? Array.from(ch.data) : null,
    fitted: arrays['posePrior.fitted']?.data[0] === 1,
  };
}

function graphDefs(model: BaseModel<ConditionalConfig>, prior: OnnxPosePrior | null): GraphDef[] {
  const c = model.config;
  const S = c.imageSize;
  const J = model.joints;
  const P = c.partAppearance ? LIMB_PARTS.length : 0;
  const net = model.net;
  const spec = poseMapsSpec(model);
  const imageIn: Spec = { name: 'image', shape: ['batch', S, S, 3], doc: DOC.image };
  const poseIn: Spec = { name: 'pose', shape: ['batch', 2 * J], doc: DOC.pose };
  const visIn: Spec = { name: 'visible', shape: ['batch', J], doc: DOC.visible };
  const d = c.latentDim;
  const defs: GraphDef[] = [
    {
      name: 'encoder',
      doc: 'q(z|x,y): the appearance encoder. Pose maps are rendered from the pose inside the graph.',
      inputs: [imageIn, poseIn, visIn],
      build: (ctx, [image, pose, visible]) => {
        const heat = emitPoseMaps(ctx, spec, pose, visible);
        const q = emitAppearanceEncoder(ctx, net.appearanceEncoder, c, toNCHW(ctx, image, 'image_nchw'), heat);
        return [
          { value: q.mu, spec: { name: 'z_mu', shape: ['batch', d], doc: 'mean of q(z|x,y)' } },
          { value: q.logvar, spec: { name: 'z_logvar', shape: ['batch', d], doc: 'log-variance of q(z|x,y)' } },
        ];
      },
    },
    {
      name: 'decoder',
      doc: 'p(x|z,y): the decoder with the pose encoder E_y (z tiled into every scale, part colours painted on the masks).',
      inputs: [{ name: 'z', shape: ['batch', d], doc: DOC.z }, poseIn, visIn],
      build: (ctx, [z, pose, visible]) => {
        const heat = emitPoseMaps(ctx, spec, pose, visible);
        const skips = emitPoseEncoder(ctx, net.poseEncoder, heat);
        const img = emitDecoder(ctx, net.decoder, c, z, skips, heat);
        return [
          {
            value: toNHWC(ctx, img, 'image_nhwc'),
            spec: { name: 'image', shape: ['batch', S, S, 3], doc: 'generated images, NHWC float32 in [-1, 1]' },
          },
        ];
      },
    },
    {
      name: 'pose-maps',
      doc: 'The pose maps every network reads: J joint heatmaps (then P body-part masks with partAppearance), NHWC in [0, 1].',
      inputs: [poseIn, visIn],
      build: (ctx, [pose, visible]) => {
        const heat = emitPoseMaps(ctx, spec, pose, visible);
        return [
          {
            value: toNHWC(ctx, heat, 'pose_maps_nhwc'),
            spec: { name: 'pose_maps', shape: ['batch', S, S, J + P], doc: 'pose maps, NHWC float32 in [0, 1]' },
          },
        ];
      },
    },
  ];
  if (net.poseEstimator) {
    const pe = net.poseEstimator;
    if (!prior)
      throw new DGPoseError('E_EXPORT_UNSUPPORTED', 'ONNX export: q(y|x) without a pose prior standardisation', {
        argument: 'posePrior',
      });
    defs.push({
      name: 'pose-estimator',
      doc: 'q(y|x): the pose estimator, in normalised coordinates.',
      inputs: [imageIn],
      build: (ctx, [image]) => {
        const q = emitPoseEstimator(ctx, pe, toNCHW(ctx, image, 'image_nchw'), {
          center: Float32Array.from(prior.center),
          scale: Float32Array.from(prior.scale),
        });
        return [
          {
            value: q.mu,
            spec: {
              name: 'pose_mu',
              shape: ['batch', 2 * J],
              doc: 'mean of q(y|x): normalised coordinates x0, y0, ...',
            },
          },
          {
            value: q.logvar,
            spec: {
              name: 'pose_logvar',
              shape: ['batch', 2 * J],
              doc: 'log-variance of q(y|x) over normalised coordinates',
            },
          },
        ];
      },
    });
  }
  if (net.prior) {
    const pr = net.prior;
    defs.push({
      name: 'prior',
      doc: 'p(z|y): the learned conditional prior.',
      inputs: [poseIn, visIn],
      build: (ctx, [pose, visible]) => {
        const f = emitPoseEncoder(ctx, net.poseEncoder, emitPoseMaps(ctx, spec, pose, visible));
        const p = emitLearnedPrior(ctx, pr, f[f.length - 1]);
        return [
          { value: p.mu, spec: { name: 'z_mu', shape: ['batch', d], doc: 'mean of p(z|y)' } },
          { value: p.logvar, spec: { name: 'z_logvar', shape: ['batch', d], doc: 'log-variance of p(z|y)' } },
        ];
      },
    });
  }
  if (spec.renderer.kind === 'learned') defs.push(mapperDef(spec.renderer.network));
  return defs;
}

function mapperDef(network: MapperNetwork): GraphDef {
  const mc = network.config;
  const J = network.joints;
  return {
    name: 'mapper',
    doc: 'The learned mapper: pose → joint heatmaps.',
    inputs: [
      { name: 'pose', shape: ['batch', 2 * J], doc: DOC.pose },
      { name: 'visible', shape: ['batch', J], doc: DOC.visible },
    ],
    build: (ctx, [pose, visible]) => {
      const heat = emitMapperNetwork(ctx, network, pose, visible);
      return [
        {
          value: toNHWC(ctx, heat, 'heatmaps_nhwc'),
          spec: {
            name: 'heatmaps',
            shape: ['batch', mc.height, mc.width, J],
            doc: 'joint heatmaps, NHWC float32 in [0, 1]; missing joints all zero',
          },
        },
      ];
    },
  };
}

async function buildGraphs(
  defs: GraphDef[],
  ctxVars: EmitContext['vars'],
  meta: Omit<OnnxManifest, 'graphs'>,
): Promise<OnnxExport> {
  const files: Record<string, Uint8Array> = {};
  const graphs: OnnxManifest['graphs'] = {};
  for (const def of defs) {
    const b = new GraphBuilder(`dgpose-${def.name}`);
    const ctx: EmitContext = { b, vars: ctxVars };
    const ins = def.inputs.map((s) => b.input(s.name, s.shape, s.doc));
    const outs = def.build(ctx, ins);
    for (const o of outs) b.output({ name: o.value.name, shape: o.spec.shape }, o.spec.name, o.spec.doc);
    const metadata = {
      dgpose: JSON.stringify({
        format: meta.format,
        formatVersion: meta.formatVersion,
        graph: def.name,
        modelKind: meta.modelKind,
        imageSize: meta.imageSize,
        joints: meta.joints,
        inputs: def.inputs,
        outputs: outs.map((o) => o.spec),
      }),
      dgpose_config: JSON.stringify({ config: meta.config, mapper: meta.mapper }),
    };
    const bytes = encodeModel(b, {
      doc: `DGPose ${meta.modelKind} — ${def.doc}`,
      producerVersion: meta.producerVersion,
      metadata,
    });
    const file = `${def.name}.onnx`;
    files[file] = bytes;
    graphs[def.name] = {
      file,
      sha256: await sha256Hex(bytes),
      bytes: bytes.byteLength,
      doc: def.doc,
      inputs: def.inputs,
      outputs: outs.map((o) => o.spec),
    };
  }
  return { manifest: { ...meta, graphs }, files };
}

function pick(defs: GraphDef[], wanted: readonly OnnxGraphName[] | undefined): GraphDef[] {
  if (wanted === undefined) return defs;
  if (!Array.isArray(wanted) || wanted.length === 0)
    throw new DGPoseError('E_ARG', 'graphs must be a non-empty list of graph names', {
      argument: 'graphs',
      expected: ONNX_GRAPH_NAMES,
      got: wanted,
    });
  for (const g of wanted) {
    if (!defs.some((d) => d.name === g))
      throw new DGPoseError('E_ARG', `this model has no '${g}' graph`, {
        argument: 'graphs',
        expected: defs.map((d) => d.name),
        got: g,
      });
  }
  return defs.filter((d) => wanted.includes(d.name));
}

/**
 * Exports a loaded model to ONNX graphs in memory: encoder, decoder and pose-maps always; pose-estimator (Semi),
 * prior (a learned p(z|y)) and mapper (a learned mapper) when the model has them. The model is only read
 * (eval-mode semantics: batch-norm running statistics, no dropout). Throws E_EXPORT_UNSUPPORTED naming the first
 * layer it cannot write; nothing is returned then.
 */
export async function exportOnnx(
  model: BaseModel<ConditionalConfig>,
  opts: ExportOnnxOptions = {},
): Promise<OnnxExport> {
  // by kind, not class: a model from another copy of @dgpose/models (ESM and CJS builds) exports too
  if (
    !model ||
    typeof model !== 'object' ||
    (model.kind !== 'conditional' && model.kind !== 'semi') ||
    !model.net ||
    typeof model.namedArrays !== 'function'
  ) {
    throw new DGPoseError('E_ARG', 'exportOnnx needs a Conditional-DGPose or Semi-DGPose model', {
      argument: 'model',
      expected: 'ConditionalDGPose | SemiDGPose',
      got: (model as object)?.constructor?.name ?? typeof model,
    });
  }
  const arrays = await model.namedArrays();
  const semi = model.kind === 'semi';
  const prior = semi ? priorArrays(arrays, 2 * model.joints) : null;
  const defs = pick(graphDefs(model, prior), opts.graphs);
  const mapper = isSemi(model) ? model.mapper : null;
  const vars = await readVariables([model.net, mapper?.network]);
  const c = model.config;
  return buildGraphs(defs, vars, {
    format: 'dgpose-onnx',
    formatVersion: ONNX_FORMAT_VERSION,
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerVersion: PACKAGE_VERSION,
    modelKind: model.kind,
    config: model.config,
    mapper: mapper ? mapper.config : null,
    imageSize: c.imageSize,
    joints: model.joints,
    poseChannels: model.joints + (c.partAppearance ? LIMB_PARTS.length : 0),
    latentDim: c.latentDim,
    posePrior: prior,
  });
}

/** Exports a learned mapper alone (graph 'mapper': pose, visible → heatmaps NHWC). */
export async function exportMapperOnnx(mapper: Mapper | MapperNetwork): Promise<OnnxExport> {
  const network =
    (mapper as MapperNetwork)?.kind === 'mapper' ? (mapper as MapperNetwork) : (mapper as Mapper)?.network;
  if (network?.kind !== 'mapper')
    throw new DGPoseError('E_ARG', 'exportMapperOnnx needs a Mapper or MapperNetwork', {
      argument: 'mapper',
      got: typeof mapper,
    });
  const vars = await readVariables([network]);
  const mc = network.config;
  return buildGraphs([mapperDef(network)], vars, {
    format: 'dgpose-onnx',
    formatVersion: ONNX_FORMAT_VERSION,
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerVersion: PACKAGE_VERSION,
    modelKind: 'mapper',
    config: null,
    mapper: mc,
    imageSize: mc.height,
    joints: network.joints,
    poseChannels: network.joints,
    latentDim: null,
    posePrior: null,
  });
}
