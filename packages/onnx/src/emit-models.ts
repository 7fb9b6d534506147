/*
 * The networks of @dgpose/models and @dgpose/mapper → ONNX nodes (NCHW inside; see emit-layers.ts), and the
 * pose rendering that feeds them, so that an exported graph takes poses (normalised coordinates + visibility)
 * exactly as the tfjs tensor-level API does:
 *
 *   joint heatmaps   analytic Gaussians (mapper's gaussianHeatmaps, σ = config.heatmapSigma) or the learned
 *                    mapper network (Semi with mapper 'learned'), as the model itself renders them
 *   part masks       mapper's limbMaps (partAppearance): one soft mask per body part
 *   networks         E_y (PoseEncoder), q(z|x,y) (AppearanceEncoder, part-colour pooling included),
 *                    p(x|z,y) (Decoder: z tiled into every scale, Dense(z) part colours painted on the masks),
 *                    q(y|x) (PoseEstimator, un-standardised to normalised coords), p(z|y) (LearnedPrior)
 *
 * Every step mirrors the tfjs code it names, operation for operation where the order matters for float32.
 * Modules are recognised by their `kind` (not their class), so two copies of a package (ESM and CJS) both export.
 */
import { DGPoseError } from '@dgpose/core';
import type { Module, ModuleOutput } from '@dgpose/layers';
import { LIMB_PARTS, type MapperNetwork, stageChannels } from '@dgpose/mapper';
import {
  type AppearanceEncoder,
  type Decoder,
  type LearnedPrior,
  type PoseEncoder,
  type PoseEstimator,
  numScales,
  scaleChannels,
  type ConditionalConfig,
} from '@dgpose/models';
import type { Dim, Value } from './graph';
import { type EmitContext, emitActivation, emitDense, emitFlattenNHWC, emitLayer, unsupported } from './emit-layers';

type AnyModule = Module<unknown, ModuleOutput>;

/** How joint heatmaps are drawn: analytic Gaussians, or a learned mapper network. */
export type JointRenderer = { kind: 'gaussian'; sigma: number } | { kind: 'learned'; network: MapperNetwork };

/** What the pose rendering needs to know. */
export interface PoseMapsSpec {
  /** Square frame side S. */
  size: number;
  /** Joints J. */
  joints: number;
  renderer: JointRenderer;
  /** Append the P part masks (partAppearance). */
  parts: boolean;
}

/** Graph inputs `pose` [N,2J] and `visible` [N,J] → coords [N,J,2] with missing joints replaced by 0 (tfjs's `where`). */
function maskedCoords(ctx: EmitContext, pose: Value, visible: Value, J: number): { xy3: Value; n: Dim } {
  const { b } = ctx;
  const n = pose.shape[0];
  const c3 = b.op1('Reshape', [pose.name, b.ints([-1, J, 2])], [n, J, 2], {}, 'pose/xy');
  const v3 = b.op1('Reshape', [visible.name, b.ints([-1, J, 1])], [n, J, 1], {}, 'pose/visible3');
  const mask = b.op1('Greater', [v3.name, b.scalar(0)], [n, J, 1], {}, 'pose/visible_mask');
  const xy3 = b.op1('Where', [mask.name, c3.name, b.scalar(0)], [n, J, 2], {}, 'pose/xy_masked');
  return { xy3, n };
}

/** Normalised → pixel coords of an S×S frame: (x' + 1)·(S − 1)/2 (aligned corners). */
function pixelCoords(ctx: EmitContext, xy3: Value, S: number): Value {
  const { b } = ctx;
  const plus = b.op1('Add', [xy3.name, b.scalar(1)], xy3.shape, {}, 'pose/plus1');
  return b.op1(
    'Mul',
    [plus.name, b.floats('pose/half_frame', [(S - 1) / 2, (S - 1) / 2], [2])],
    xy3.shape,
    {},
    'pose/pixels',
  );
}

function coordAxis(ctx: EmitContext, px3: Value, axis: 0 | 1, J: number): Value {
  const { b } = ctx;
  const n = px3.shape[0];
  const s = b.op1(
    'Slice',
    [px3.name, b.ints([axis]), b.ints([axis + 1]), b.ints([2])],
    [n, J, 1],
    {},
    `pose/${axis ? 'y' : 'x'}`,
  );
  return b.op1('Reshape', [s.name, b.ints([-1, J])], [n, J], {}, `pose/${axis ? 'y' : 'x'}2`);
}

/** mapper gaussianHeatmaps, normalised coords: [N,J,S,S] (NCHW). */
function emitGaussianHeatmaps(
  ctx: EmitContext,
  pose: Value,
  visible: Value,
  S: number,
  J: number,
  sigma: number,
): Value {
  const { b } = ctx;
  const { xy3, n } = maskedCoords(ctx, pose, visible, J);
  const px3 = pixelCoords(ctx, xy3, S);
  const x = b.op1('Reshape', [coordAxis(ctx, px3, 0, J).name, b.ints([-1, J, 1, 1])], [n, J, 1, 1], {}, 'heat/x');
  const y = b.op1('Reshape', [coordAxis(ctx, px3, 1, J).name, b.ints([-1, J, 1, 1])], [n, J, 1, 1], {}, 'heat/y');
  const range = Array.from({ length: S }, (_, i) => i);
  const u = b.floats('heat/columns', range, [1, 1, 1, S]);
  const r = b.floats('heat/rows', range, [1, 1, S, 1]);
  const k = b.scalar(-1 / (2 * sigma * sigma));
  const dx = b.op1('Sub', [u, x.name], [n, J, 1, S], {}, 'heat/dx');
  const gx = b.op1(
    'Exp',
    [b.op1('Mul', [b.op1('Mul', [dx.name, dx.name], dx.shape, {}, 'heat/dx2').name, k], dx.shape, {}, 'heat/ex').name],
    dx.shape,
    {},
    'heat/gx',
  );
  const dy = b.op1('Sub', [r, y.name], [n, J, S, 1], {}, 'heat/dy');
  const gy = b.op1(
    'Exp',
    [b.op1('Mul', [b.op1('Mul', [dy.name, dy.name], dy.shape, {}, 'heat/dy2').name, k], dy.shape, {}, 'heat/ey').name],
    dy.shape,
    {},
    'heat/gy',
  );
  const g = b.op1('Mul', [gy.name, gx.name], [n, J, S, S], {}, 'heat/g');
  const v4 = b.op1('Reshape', [visible.name, b.ints([-1, J, 1, 1])], [n, J, 1, 1], {}, 'heat/visible4');
  return b.op1('Mul', [g.name, v4.name], [n, J, S, S], {}, 'heat/joints');
}

/** The learned mapper's network (MapperNetwork.call after Mapper.map's masking): [N,J,H,W] (NCHW). */
export function emitMapperNetwork(ctx: EmitContext, net: MapperNetwork, pose: Value, visible: Value): Value {
  const { b } = ctx;
  if ((net as AnyModule)?.kind !== 'mapper')
    throw unsupported(net, `no ONNX emitter for '${(net as AnyModule).kind}'`, 'a MapperNetwork');
  const c = net.config;
  const J = net.joints;
  const { xy3, n } = maskedCoords(ctx, pose, visible, J);
  const inF = c.perJoint ? 2 : 2 * J;
  const m: Dim = c.perJoint ? `${n}*${J}` : n;
  const input = b.op1('Reshape', [xy3.name, b.ints([-1, inF])], [m, inF], {}, 'mapper/input');
  const f = 2 ** c.upsamples;
  const [gh, gw] = [c.height / f, c.width / f];
  const C = c.baseChannels;
  const child = (key: string): AnyModule => {
    const ch = net.child(key);
    if (!ch) throw unsupported(net, `no child ${key}`, 'a MapperNetwork built by @dgpose/mapper');
    return ch;
  };
  const fc = emitLayer(ctx, child('fc'), input);
  const nhwc = b.op1('Reshape', [fc.name, b.ints([-1, gh, gw, C])], [m, gh, gw, C], {}, 'mapper/grid');
  let x = b.op1('Transpose', [nhwc.name], [m, C, gh, gw], { perm: [0, 3, 1, 2] }, 'mapper/grid_nchw');
  x = emitActivation(ctx, 'relu', emitLayer(ctx, child('bn0'), x), 'mapper/bn0');
  stageChannels(c).forEach((_, i) => {
    x = emitActivation(
      ctx,
      'relu',
      emitLayer(ctx, child(`bn${i + 1}`), emitLayer(ctx, child(`up${i + 1}`), x)),
      `mapper/bn${i + 1}`,
    );
  });
  let y = emitLayer(ctx, child('out'), x);
  if (c.perJoint)
    y = b.op1('Reshape', [y.name, b.ints([-1, J, c.height, c.width])], [n, J, c.height, c.width], {}, 'mapper/joints');
  const s = b.op1('Sigmoid', [y.name], y.shape, {}, 'mapper/sigmoid');
  const v4 = b.op1('Reshape', [visible.name, b.ints([-1, J, 1, 1])], [n, J, 1, 1], {}, 'mapper/visible4');
  return b.op1('Mul', [s.name, v4.name], y.shape, {}, 'mapper/heatmaps');
}

/** mapper limbMaps: [N,P,S,S] (NCHW), P = LIMB_PARTS.length. */
function emitLimbMaps(ctx: EmitContext, pose: Value, visible: Value, S: number, J: number): Value {
  const { b } = ctx;
  const { xy3, n } = maskedCoords(ctx, pose, visible, J);
  const px3 = pixelCoords(ctx, xy3, S);
  const xs = coordAxis(ctx, px3, 0, J);
  const ys = coordAxis(ctx, px3, 1, J);
  const segs = LIMB_PARTS.flatMap((p) => p.segments);
  const K = segs.length;
  // segment ends: tfjs multiplies by one-hot [J,K] matrices; a Gather of the same columns is exact
  const ia = b.ints(segs.map((s) => s[0]));
  const ib = b.ints(segs.map((s) => s[1]));
  const at = (t: Value, idx: string, nm: string): Value => {
    const g = b.op1('Gather', [t.name, idx], [n, K], { axis: 1 }, `limbs/${nm}`);
    return b.op1('Reshape', [g.name, b.ints([-1, K, 1, 1])], [n, K, 1, 1], {}, `limbs/${nm}4`);
  };
  const ax = at(xs, ia, 'ax');
  const ay = at(ys, ia, 'ay');
  const dx = b.op1('Sub', [at(xs, ib, 'bx').name, ax.name], [n, K, 1, 1], {}, 'limbs/dx');
  const dy = b.op1('Sub', [at(ys, ib, 'by').name, ay.name], [n, K, 1, 1], {}, 'limbs/dy');
  const valid = b.op1('Mul', [at(visible, ia, 'va').name, at(visible, ib, 'vb').name], [n, K, 1, 1], {}, 'limbs/valid');
  const range = Array.from({ length: S }, (_, i) => i);
  const u = b.floats('limbs/columns', range, [1, 1, 1, S]);
  const r = b.floats('limbs/rows', range, [1, 1, S, 1]);
  const sq = (v: Value, nm: string): Value => b.op1('Mul', [v.name, v.name], v.shape, {}, nm);
  const len2 = b.op1(
    'Add',
    [
      b.op1('Add', [sq(dx, 'limbs/dx2').name, sq(dy, 'limbs/dy2').name], dx.shape, {}, 'limbs/len2_').name,
      b.scalar(1e-6),
    ],
    dx.shape,
    {},
    'limbs/len2',
  );
  const pu = b.op1('Sub', [u, ax.name], [n, K, 1, S], {}, 'limbs/pu');
  const pv = b.op1('Sub', [r, ay.name], [n, K, S, 1], {}, 'limbs/pv');
  const full: Dim[] = [n, K, S, S];
  const dot = b.op1(
    'Add',
    [
      b.op1('Mul', [pu.name, dx.name], pu.shape, {}, 'limbs/pudx').name,
      b.op1('Mul', [pv.name, dy.name], pv.shape, {}, 'limbs/pvdy').name,
    ],
    full,
    {},
    'limbs/dot',
  );
  const t = b.op1(
    'Clip',
    [b.op1('Div', [dot.name, len2.name], full, {}, 'limbs/t_').name, b.scalar(0), b.scalar(1)],
    full,
    {},
    'limbs/t',
  );
  const ex = b.op1('Sub', [pu.name, b.op1('Mul', [t.name, dx.name], full, {}, 'limbs/tdx').name], full, {}, 'limbs/ex');
  const ey = b.op1('Sub', [pv.name, b.op1('Mul', [t.name, dy.name], full, {}, 'limbs/tdy').name], full, {}, 'limbs/ey');
  const d2 = b.op1('Add', [sq(ex, 'limbs/ex2').name, sq(ey, 'limbs/ey2').name], full, {}, 'limbs/d2');
  const scale = S / 64;
  const inv2s2 = b.floats(
    'limbs/inv_2sigma2',
    LIMB_PARTS.flatMap((p) => p.segments.map(() => -1 / (2 * (p.sigma64 * scale) ** 2))),
    [1, K, 1, 1],
  );
  const seg = b.op1(
    'Mul',
    [
      b.op1('Exp', [b.op1('Mul', [d2.name, inv2s2], full, {}, 'limbs/arg').name], full, {}, 'limbs/exp').name,
      valid.name,
    ],
    full,
    {},
    'limbs/segments',
  );
  const parts: string[] = [];
  let k = 0;
  for (const p of LIMB_PARTS) {
    const m = p.segments.length;
    const sl = b.op1(
      'Slice',
      [seg.name, b.ints([k]), b.ints([k + m]), b.ints([1])],
      [n, m, S, S],
      {},
      `limbs/${p.name}/segments`,
    );
    parts.push(m === 1 ? sl.name : b.op('ReduceMax', [sl.name], { axes: [1], keepdims: 1 }, `limbs/${p.name}`)[0]);
    k += m;
  }
  return b.op1('Concat', parts, [n, LIMB_PARTS.length, S, S], { axis: 1 }, 'limbs/parts');
}

/** The pose maps every network reads: J joint heatmaps, then (parts) the P part masks; [N,J(+P),S,S] (NCHW). */
export function emitPoseMaps(ctx: EmitContext, spec: PoseMapsSpec, pose: Value, visible: Value): Value {
  const { b } = ctx;
  const { size: S, joints: J } = spec;
  const joints =
    spec.renderer.kind === 'gaussian'
      ? emitGaussianHeatmaps(ctx, pose, visible, S, J, spec.renderer.sigma)
      : emitMapperNetwork(ctx, spec.renderer.network, pose, visible);
  if (!spec.parts) return joints;
  const limbs = emitLimbMaps(ctx, pose, visible, S, J);
  return b.op1(
    'Concat',
    [joints.name, limbs.name],
    [pose.shape[0], J + LIMB_PARTS.length, S, S],
    { axis: 1 },
    'pose_maps_nchw',
  );
}

/** A ConvStack of @dgpose/models (blocks block1..blockL): features of every scale. */
function emitConvStack(ctx: EmitContext, stack: AnyModule, x: Value): Value[] {
  const blocks = (stack as unknown as { blocks?: unknown }).blocks;
  if (
    stack.kind !== 'convStack' ||
    !Array.isArray(blocks) ||
    !blocks.every((bl) => (bl as AnyModule)?.kind === 'encoderBlock')
  ) {
    throw unsupported(stack, `no ONNX emitter for '${stack.kind}'`, 'a convStack of encoder blocks');
  }
  const out: Value[] = [];
  let h = x;
  for (const bl of blocks as AnyModule[]) {
    h = emitLayer(ctx, bl, h);
    out.push(h);
  }
  return out;
}

function sliceCols(ctx: EmitContext, v: Value, from: number, to: number, hint: string): Value {
  const { b } = ctx;
  return b.op1('Slice', [v.name, b.ints([from]), b.ints([to]), b.ints([1])], [v.shape[0], to - from], {}, hint);
}

function sliceChannels(ctx: EmitContext, v: Value, from: number, to: number, hint: string): Value {
  const { b } = ctx;
  return b.op1(
    'Slice',
    [v.name, b.ints([from]), b.ints([to]), b.ints([1])],
    [v.shape[0], to - from, v.shape[2], v.shape[3]],
    {},
    hint,
  );
}

/** Config values the network emitters need (those of a ConditionalConfig). */
export type NetSpec = Pick<
  ConditionalConfig,
  'imageSize' | 'bottleneckSize' | 'baseChannels' | 'maxChannels' | 'latentDim' | 'latentInjection' | 'partAppearance'
>;

function partCount(c: NetSpec): number {
  return c.partAppearance ? LIMB_PARTS.length : 0;
}

/** E_y: pose maps → skip features f_1..f_L. */
export function emitPoseEncoder(ctx: EmitContext, enc: PoseEncoder, heat: Value): Value[] {
  if ((enc as AnyModule)?.kind !== 'poseEncoder')
    throw unsupported(enc, `no ONNX emitter for '${(enc as AnyModule).kind}'`, 'a PoseEncoder');
  return emitConvStack(ctx, enc.stack, heat);
}

/** q(z|x,y): x [N,3,S,S], pose maps → μ, log σ² [N,d_z]. */
export function emitAppearanceEncoder(
  ctx: EmitContext,
  enc: AppearanceEncoder,
  c: NetSpec,
  x: Value,
  heat: Value,
): { mu: Value; logvar: Value } {
  const { b } = ctx;
  if ((enc as AnyModule)?.kind !== 'appearanceEncoder')
    throw unsupported(enc, `no ONNX emitter for '${(enc as AnyModule).kind}'`, 'an AppearanceEncoder');
  const n = x.shape[0];
  const S = c.imageSize;
  const C = heat.shape[1] as number;
  const input = b.op1('Concat', [x.name, heat.name], [n, 3 + C, S, S], { axis: 1 }, 'appearanceEncoder/input');
  const f = emitConvStack(ctx, enc.stack, input);
  let feats = emitFlattenNHWC(ctx, f[f.length - 1], 'appearanceEncoder/features');
  const P = partCount(c);
  if (P > 0) {
    // poolParts: Σ_hw m·x / (Σ_hw m + 1e-3) per part and colour → [N,3P] (part-major)
    const HW = S * S;
    const masks = sliceChannels(ctx, heat, C - P, C, 'appearanceEncoder/part_masks');
    const m = b.op1('Reshape', [masks.name, b.ints([-1, P, HW])], [n, P, HW], {}, 'appearanceEncoder/masks_flat');
    const xr = b.op1('Reshape', [x.name, b.ints([-1, 3, HW])], [n, 3, HW], {}, 'appearanceEncoder/x_flat');
    const xt = b.op1('Transpose', [xr.name], [n, HW, 3], { perm: [0, 2, 1] }, 'appearanceEncoder/x_rows');
    const sum = b.op1('MatMul', [m.name, xt.name], [n, P, 3], {}, 'appearanceEncoder/part_sums');
    const area = b.op1('ReduceSum', [m.name, b.ints([2])], [n, P, 1], { keepdims: 1 }, 'appearanceEncoder/part_area_');
    const area1 = b.op1('Add', [area.name, b.scalar(1e-3)], [n, P, 1], {}, 'appearanceEncoder/part_area');
    const mean = b.op1('Div', [sum.name, area1.name], [n, P, 3], {}, 'appearanceEncoder/part_colours');
    const pooled = b.op1(
      'Reshape',
      [mean.name, b.ints([-1, 3 * P])],
      [n, 3 * P],
      {},
      'appearanceEncoder/part_colours_flat',
    );
    feats = b.op1(
      'Concat',
      [feats.name, pooled.name],
      [n, (feats.shape[1] as number) + 3 * P],
      { axis: 1 },
      'appearanceEncoder/head_input',
    );
  }
  const h = emitDense(ctx, enc.head, feats);
  const d = enc.latentDim;
  return { mu: sliceCols(ctx, h, 0, d, 'z_mu_'), logvar: sliceCols(ctx, h, d, 2 * d, 'z_logvar_') };
}

/** p(x|z,y): z [N,d_z], skips, pose maps → image [N,3,S,S] in [-1,1] (tanh). */
export function emitDecoder(ctx: EmitContext, dec: Decoder, c: NetSpec, z: Value, skips: Value[], heat: Value): Value {
  const { b } = ctx;
  if ((dec as AnyModule)?.kind !== 'decoder')
    throw unsupported(dec, `no ONNX emitter for '${(dec as AnyModule).kind}'`, 'a Decoder');
  const n = z.shape[0];
  const L = numScales(c);
  const bs = c.bottleneckSize;
  const cL = scaleChannels(c, L);
  const dz = c.latentDim;
  const fc = emitDense(ctx, dec.fc, z);
  const hb = b.op1('Reshape', [fc.name, b.ints([-1, bs, bs, cL])], [n, bs, bs, cL], {}, 'decoder/bottleneck_nhwc');
  let h = b.op1('Transpose', [hb.name], [n, cL, bs, bs], { perm: [0, 3, 1, 2] }, 'decoder/bottleneck');
  const everyScale = c.latentInjection === 'every-scale';
  const z4 = everyScale ? b.op1('Reshape', [z.name, b.ints([-1, dz, 1, 1])], [n, dz, 1, 1], {}, 'decoder/z4') : null;
  if (dec.blocks.length !== skips.length)
    throw unsupported(dec, `${dec.blocks.length} blocks for ${skips.length} scales`, 'one decoder block per scale');
  dec.blocks.forEach((blk, k) => {
    const f = skips[L - 1 - k];
    const [, , fh, fw] = f.shape as [Dim, number, number, number];
    const inputs = [h.name, f.name];
    let ch = (h.shape[1] as number) + (f.shape[1] as number);
    if (z4 && k > 0) {
      inputs.push(b.op1('Tile', [z4.name, b.ints([1, 1, fh, fw])], [n, dz, fh, fw], {}, `decoder/z_tiled_${fh}`).name);
      ch += dz;
    }
    const cat = b.op1('Concat', inputs, [n, ch, fh, fw], { axis: 1 }, `${blk.path}/input`);
    h = emitLayer(ctx, blk, cat);
  });
  const P = partCount(c);
  if (P > 0) {
    if (!dec.partColours || !dec.out)
      throw unsupported(dec, 'partAppearance without partColours/out layers', 'the layers of a partAppearance decoder');
    const S = c.imageSize;
    const HW = S * S;
    const C = heat.shape[1] as number;
    const parts = sliceChannels(ctx, heat, C - P, C, 'decoder/part_masks');
    const m = b.op1('Reshape', [parts.name, b.ints([-1, P, HW])], [n, P, HW], {}, 'decoder/masks_flat');
    const colours = b.op1(
      'Reshape',
      [emitDense(ctx, dec.partColours, z).name, b.ints([-1, P, 3])],
      [n, P, 3],
      {},
      'decoder/part_colours',
    );
    const colT = b.op1('Transpose', [colours.name], [n, 3, P], { perm: [0, 2, 1] }, 'decoder/part_colours_t');
    const paintedSum = b.op1('MatMul', [colT.name, m.name], [n, 3, HW], {}, 'decoder/painted_sum');
    const cover = b.op1('ReduceSum', [m.name, b.ints([1])], [n, 1, HW], { keepdims: 1 }, 'decoder/cover');
    const painted = b.op1(
      'Div',
      [paintedSum.name, b.op1('Add', [cover.name, b.scalar(1e-3)], cover.shape, {}, 'decoder/cover_eps').name],
      [n, 3, HW],
      {},
      'decoder/painted_flat',
    );
    const painted4 = b.op1('Reshape', [painted.name, b.ints([-1, 3, S, S])], [n, 3, S, S], {}, 'decoder/painted');
    const alpha = b.op1(
      'Reshape',
      [
        b.op1('Clip', [cover.name, b.scalar(0), b.scalar(1)], cover.shape, {}, 'decoder/alpha_flat').name,
        b.ints([-1, 1, S, S]),
      ],
      [n, 1, S, S],
      {},
      'decoder/alpha',
    );
    const relu = b.op1('Relu', [h.name], h.shape, {}, 'decoder/features_relu');
    const cat = b.op1(
      'Concat',
      [relu.name, painted4.name, alpha.name],
      [n, (h.shape[1] as number) + 4, S, S],
      { axis: 1 },
      'decoder/out_input',
    );
    h = emitLayer(ctx, dec.out, cat);
  }
  return b.op1('Tanh', [h.name], h.shape, {}, 'decoder/tanh');
}

/** q(y|x): x [N,3,S,S] → μ_y, log σ²_y over normalised coords (un-standardised with the pose prior's centre and scale). */
export function emitPoseEstimator(
  ctx: EmitContext,
  pe: PoseEstimator,
  x: Value,
  standard: { center: Float32Array; scale: Float32Array },
): { mu: Value; logvar: Value } {
  const { b } = ctx;
  if ((pe as AnyModule)?.kind !== 'poseEstimator')
    throw unsupported(pe, `no ONNX emitter for '${(pe as AnyModule).kind}'`, 'a PoseEstimator');
  const f = emitConvStack(ctx, pe.stack, x);
  const h = emitDense(ctx, pe.head, emitFlattenNHWC(ctx, f[f.length - 1], 'poseEstimator/features'));
  const d = pe.dims;
  const mu = sliceCols(ctx, h, 0, d, 'poseEstimator/mu_std');
  const raw = sliceCols(ctx, h, d, 2 * d, 'poseEstimator/logvar_raw');
  // min + softplus(raw − min)
  const lvMin = b.scalar(pe.logvarMin);
  const sp = b.op1(
    'Softplus',
    [b.op1('Sub', [raw.name, lvMin], raw.shape, {}, 'poseEstimator/logvar_shift').name],
    raw.shape,
    {},
    'poseEstimator/softplus',
  );
  const lv = b.op1('Add', [sp.name, lvMin], raw.shape, {}, 'poseEstimator/logvar_std');
  if (standard.center.length !== d || standard.scale.length !== d) {
    throw new DGPoseError('E_EXPORT_UNSUPPORTED', 'ONNX export: the pose prior does not fit q(y|x)', {
      argument: 'posePrior',
      expected: d,
      got: standard.center.length,
    });
  }
  // SemiDGPose.estimatePoseTensors: μ·scale + center; log σ² + 2·log(scale)
  const scale = b.floats('posePrior.scale', standard.scale, [d]);
  const center = b.floats('posePrior.center', standard.center, [d]);
  const logScale2 = b.floats(
    'posePrior.log_scale_x2',
    Float32Array.from(standard.scale, (s) => Math.fround(Math.log(s)) * 2),
    [d],
  );
  const muN = b.op1(
    'Add',
    [b.op1('Mul', [mu.name, scale], mu.shape, {}, 'poseEstimator/mu_scaled').name, center],
    mu.shape,
    {},
    'pose_mu_',
  );
  const lvN = b.op1('Add', [lv.name, logScale2], lv.shape, {}, 'pose_logvar_');
  return { mu: muN, logvar: lvN };
}

/** p(z|y): the learned prior's Dense on flatten(f_L). */
export function emitLearnedPrior(ctx: EmitContext, prior: LearnedPrior, fL: Value): { mu: Value; logvar: Value } {
  if ((prior as AnyModule)?.kind !== 'learnedPrior')
    throw unsupported(prior, `no ONNX emitter for '${(prior as AnyModule).kind}'`, 'a LearnedPrior');
  const h = emitDense(ctx, prior.head, emitFlattenNHWC(ctx, fL, 'prior/features'));
  const d = prior.latentDim;
  return { mu: sliceCols(ctx, h, 0, d, 'prior/mu'), logvar: sliceCols(ctx, h, d, 2 * d, 'prior/logvar') };
}
