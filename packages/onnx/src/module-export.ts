/*
 * Export of any tensor → tensor module tree of @dgpose/layers (a Sequential of convs, norms, activations...)
 * as one ONNX graph with an NHWC input `input` [N,H,W,C] (or [N,F]) and output `output`, the same layout
 * as the module's `call`. A module the exporter does not know gets E_EXPORT_UNSUPPORTED naming it.
 */
import { DGPoseError } from '@dgpose/core';
import type { Module, ModuleOutput } from '@dgpose/layers';
import { GraphBuilder, encodeModel } from './graph';
import { type EmitContext, emitLayer, readVariables } from './emit-layers';
import { PACKAGE_VERSION } from './export';

/** Options of {@link exportModuleOnnx}. */
export interface ExportModuleOptions {
  /** Per-sample input shape: [H, W, C] (NHWC, as the module reads it) or [F]. */
  inputShape: number[];
  /** Graph name and doc string. */
  name?: string;
}

/** One module tree → .onnx bytes (input `input`, output `output`, batch dim symbolic). */
export async function exportModuleOnnx(
  module: Module<unknown, ModuleOutput>,
  opts: ExportModuleOptions,
): Promise<Uint8Array> {
  const shape = opts?.inputShape;
  if (
    !Array.isArray(shape) ||
    (shape.length !== 3 && shape.length !== 1) ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new DGPoseError('E_ARG', 'inputShape must be [H, W, C] or [F] (positive integers)', {
      argument: 'inputShape',
      expected: '[H, W, C] | [F]',
      got: shape,
    });
  }
  const vars = await readVariables([module]);
  const b = new GraphBuilder(opts.name ?? module.kind);
  const ctx: EmitContext = { b, vars };
  const x = b.input('input', ['batch', ...shape], 'NHWC float32 input');
  let v = x;
  if (shape.length === 3)
    v = b.op1('Transpose', [x.name], ['batch', shape[2], shape[0], shape[1]], { perm: [0, 3, 1, 2] }, 'input_nchw');
  let y = emitLayer(ctx, module, v);
  if (y.shape.length === 4)
    y = b.op1(
      'Transpose',
      [y.name],
      [y.shape[0], y.shape[2], y.shape[3], y.shape[1]],
      { perm: [0, 2, 3, 1] },
      'output_nhwc',
    );
  b.output(y, 'output', 'the module output, NHWC for 4-D values');
  return encodeModel(b, {
    doc: `@dgpose/layers module ${module.kind}`,
    producerVersion: PACKAGE_VERSION,
    metadata: { dgpose: JSON.stringify({ format: 'dgpose-onnx-module', kind: module.kind }) },
  });
}
