export { DGPoseError, isDGPoseError, assertShape, assertFinite } from './errors';
export type { DGPoseErrorCode, DGPoseErrorDetails } from './errors';
