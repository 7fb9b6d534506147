// @dgpose/onnx: ONNX export of the DGPose networks, and an onnxruntime inference engine with the task-level verbs.
export {
  exportOnnx,
  exportMapperOnnx,
  ONNX_FORMAT_VERSION,
  ONNX_MANIFEST_FILE,
  ONNX_GRAPH_NAMES,
  PACKAGE_VERSION,
} from './export';
export type {
  OnnxExport,
  OnnxManifest,
  OnnxGraphEntry,
  OnnxGraphName,
  OnnxTensorSpec,
  OnnxPosePrior,
  ExportOnnxOptions,
} from './export';
export { ONNX_IR_VERSION, ONNX_OPSET, decodeModelInfo } from './graph';
export type { OnnxModelInfo, Dim } from './graph';
export { exportModuleOnnx } from './module-export';
export type { ExportModuleOptions } from './module-export';
export { createOnnxEngine } from './engine';
export { checkGraphInterface, checkManifest } from './graph-check';
export { imagesToArray, arrayToImages } from './image-arrays';
export type {
  OnnxDGPoseModel,
  OnnxEngineOptions,
  OnnxSource,
  OrtLike,
  OrtSessionLike,
  OrtTensorLike,
  GaussianArrays,
} from './engine';
