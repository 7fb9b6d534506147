/*
 * dgpose-onnx: the command line of @dgpose/onnx.
 *
 *   dgpose-onnx export <weights-dir | checkpoint-dir | zoo:<name>> --out <dir> [--graphs encoder,decoder,...]
 *   dgpose-onnx info <onnx-dir>
 *
 * `export` builds every graph in memory, then writes the files atomically and dgpose-onnx.json last: an
 * unsupported layer (E_EXPORT_UNSUPPORTED, naming it) leaves no file behind. `zoo:<name>` needs @dgpose/zoo.
 */
import { DGPoseError, initBackend, isDGPoseError } from '@dgpose/core';
import type { AnyDGPoseModel } from '@dgpose/models';
import { ONNX_GRAPH_NAMES, type OnnxGraphName } from './export';
import { exportOnnxToDir, loadTfjsModel, readOnnxExport } from './node';

export const USAGE = `usage:
  dgpose-onnx export <weights-dir | checkpoint-dir | zoo:<name>> --out <dir> [--graphs ${ONNX_GRAPH_NAMES.join(',')}]
  dgpose-onnx info <onnx-dir>`;

/** Where the CLI writes: stdout and stderr lines (tests pass arrays). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

async function modelFrom(source: string): Promise<AnyDGPoseModel> {
  if (!source.startsWith('zoo:')) return loadTfjsModel(source);
  let zoo: { loadPretrained: (name: string) => Promise<unknown> };
  try {
    zoo = (await import('@dgpose/zoo/node')) as unknown as typeof zoo;
  } catch (e) {
    throw new DGPoseError(
      'E_IO',
      `${source} needs @dgpose/zoo: run \`npm install @dgpose/zoo\` (or pass a weights folder)`,
      { argument: 'source', cause: e },
    );
  }
  return (await zoo.loadPretrained(source.slice(4))) as AnyDGPoseModel;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(
  argv: string[],
  io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  const [cmd, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && rest[i - 1].startsWith('--')));
  try {
    if (cmd === 'export') {
      const out = flag('out');
      if (positional.length !== 1 || !out) {
        io.err(USAGE);
        return 2;
      }
      // reading the weights needs a tfjs backend (the export itself runs no maths)
      await initBackend({ log: () => undefined });
      const graphs = flag('graphs')?.split(',') as OnnxGraphName[] | undefined;
      const model = await modelFrom(positional[0]);
      try {
        const t0 = Date.now();
        const m = await exportOnnxToDir(model, out, graphs ? { graphs } : {});
        for (const g of Object.values(m.graphs))
          if (g)
            io.out(
              `${out}/${g.file}  ${(g.bytes / 2 ** 20).toFixed(2)} MiB  ${g.inputs.map((i) => i.name).join(', ')} -> ${g.outputs.map((o) => o.name).join(', ')}`,
            );
        io.out(`exported ${m.modelKind} (opset ${m.opset}, IR ${m.irVersion}) to ${out} in ${Date.now() - t0} ms`);
      } finally {
        model.dispose();
      }
      return 0;
    }
    if (cmd === 'info') {
      if (positional.length !== 1) {
        io.err(USAGE);
        return 2;
      }
      const { manifest } = await readOnnxExport(positional[0]);
      io.out(
        `${manifest.modelKind}, ${manifest.imageSize} px, ${manifest.joints} joints, opset ${manifest.opset}, IR ${manifest.irVersion}`,
      );
      for (const g of Object.values(manifest.graphs)) {
        if (!g) continue;
        io.out(`${g.file}: ${g.doc}`);
        for (const i of g.inputs) io.out(`  in  ${i.name} [${i.shape.join(', ')}]: ${i.doc}`);
        for (const o of g.outputs) io.out(`  out ${o.name} [${o.shape.join(', ')}]: ${o.doc}`);
      }
      return 0;
    }
    io.err(USAGE);
    return 2;
  } catch (e) {
    io.err(isDGPoseError(e) ? e.message : String((e as Error)?.stack ?? e));
    return 1;
  }
}
