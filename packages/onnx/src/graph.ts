/*
 * A small ONNX graph builder over the official schema as compiled by `onnx-proto` (protobufjs): nodes,
 * float32 / int64 initializers, named and documented inputs and outputs, static shape tracking. Every
 * model is written with an explicit IR version and opset (ONNX_IR_VERSION, ONNX_OPSET).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

/** IR version written into every exported model (ONNX 1.10, the schema of onnx-proto 8). */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset of every exported model (ONNX 1.10). */
export const ONNX_OPSET = 15;

/** A dimension: a size, or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** An attribute value: number (int unless listed in `floats`), number[] (ints), string. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

function attribute(name: string, v: AttrValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

function valueInfo(
  name: string,
  dims: readonly Dim[],
  doc: string,
  elemType = onnx.TensorProto.DataType.FLOAT,
): IValueInfoProto {
  return {
    name,
    docString: doc,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A value of the graph: its name and its static shape (batch dims symbolic). */
export interface Value {
  name: string;
  shape: Dim[];
}

/** Builds one GraphProto; `op` returns the output value names. */
export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly inits: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly consts = new Map<string, string>();

  constructor(readonly name: string) {}

  /** A fresh value name from a hint (dots and slashes kept: they make Netron readable). */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let n = base;
    for (let i = 1; this.used.has(n); i++) n = `${base}_${i}`;
    this.used.add(n);
    return n;
  }

  /** A graph input (float32 unless `int64`). */
  input(name: string, dims: readonly Dim[], doc: string): Value {
    if (this.used.has(name)) throw new Error(`duplicate graph input ${name}`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, dims, doc));
    return { name, shape: [...dims] };
  }

  /** Declares `v` a graph output named `name` (an Identity node renames it when needed). */
  output(v: Value, name: string, doc: string): void {
    let src = v.name;
    if (src !== name) {
      if (this.used.has(name)) throw new Error(`duplicate graph output ${name}`);
      this.used.add(name);
      this.nodes.push({ opType: 'Identity', input: [src], output: [name], name: `${name}/identity` });
      src = name;
    }
    this.outputs.push(valueInfo(src, v.shape, doc));
  }

  /** A float32 initializer of `values` with `dims`. */
  floats(hint: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`initializer ${hint}: ${values.length} values for dims [${dims}]`);
    const name = this.fresh(hint);
    const data = Float32Array.from(values);
    this.inits.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 initializer (shapes, axes, repeats, indices), shared between nodes with the same values. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const hit = this.consts.get(key);
    if (hit) return hit;
    const name = this.fresh(`const_i64_${values.length <= 4 ? values.join('_').replace(/-/g, 'm') : values.length}`);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.inits.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    this.consts.set(key, name);
    return name;
  }

  /** A float32 scalar constant (shared). */
  scalar(v: number): string {
    const key = `f32:${v}`;
    const hit = this.consts.get(key);
    if (hit) return hit;
    const name = this.floats(`const_f32`, [v], []);
    this.consts.set(key, name);
    return name;
  }

  /** Appends a node; returns its output names (`outputs` of them, default 1). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    hint = opType,
    outputs = 1,
  ): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}:${i}`));
    this.nodes.push({
      opType,
      input: [...inputs],
      output: out,
      name: this.fresh(`${hint}/${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** One-output `op` returning a Value of `shape`. */
  op1(
    opType: string,
    inputs: readonly string[],
    shape: Dim[],
    attrs: Record<string, AttrValue> = {},
    hint = opType,
  ): Value {
    return { name: this.op(opType, inputs, attrs, hint)[0], shape };
  }

  /** The GraphProto. */
  graph(doc: string): onnxProto.onnx.IGraphProto {
    return {
      name: this.name,
      docString: doc,
      node: this.nodes,
      initializer: this.inits,
      input: this.inputs,
      output: this.outputs,
    };
  }

  /** Node count (for tests and docs). */
  get nodeCount(): number {
    return this.nodes.length;
  }
}

/** Serialises a graph as a ModelProto (IR version and opset explicit) with string metadata. */
export function encodeModel(
  b: GraphBuilder,
  opts: { doc: string; producerVersion: string; metadata: Record<string, string> },
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@dgpose/onnx',
    producerVersion: opts.producerVersion,
    domain: 'dgpose',
    modelVersion: 1,
    docString: opts.doc,
    graph: b.graph(opts.doc),
    metadataProps: Object.entries(opts.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** What {@link decodeModelInfo} reads from an .onnx file without running it. */
export interface OnnxModelInfo {
  irVersion: number;
  opset: number | null;
  producerName: string;
  inputs: { name: string; dims: Dim[] }[];
  outputs: { name: string; dims: Dim[] }[];
  metadata: Record<string, string>;
}

function dimsOf(v: IValueInfoProto): Dim[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
}

/** Decodes the interface of an .onnx file (inputs, outputs, metadata); throws on bytes that are not a ModelProto. */
export function decodeModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const m = onnx.ModelProto.decode(bytes);
  const opset = m.opsetImport.find((o) => !o.domain);
  const g = m.graph;
  const inits = new Set((g?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: Number(m.irVersion),
    opset: opset ? Number(opset.version) : null,
    producerName: m.producerName,
    inputs: (g?.input ?? [])
      .filter((v) => !inits.has(v.name ?? ''))
      .map((v) => ({ name: v.name ?? '', dims: dimsOf(v) })),
    outputs: (g?.output ?? []).map((v) => ({ name: v.name ?? '', dims: dimsOf(v) })),
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key ?? '', p.value ?? ''])),
  };
}
