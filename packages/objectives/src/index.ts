export { fusedAdam, FusedAdamOptimizer } from './fused-adam';
export { constantSchedule, linearWarmup, cyclicalSchedule } from './schedules';
export type { Schedule, LinearWarmupOptions, CyclicalScheduleOptions } from './schedules';
export { tidyObject } from './tidy';
export { stopGradient } from './stop-gradient';
export {
  vaeLoss,
  cvaeLoss,
  validateElboConfig,
  DEFAULT_ELBO_CONFIG,
  reconstructionPerSample,
  reconstructionTermName,
} from './elbo';
export type {
  GaussianParams,
  ReconstructionKind,
  ElboConfig,
  ElboResult,
  ElboOptions,
  VaeNetworks,
  CvaeNetworks,
} from './elbo';
export {
  semiSupervisedLoss,
  supervisedPoseLoss,
  poseRegressionNll,
  validateSemiSupervisedConfig,
  DEFAULT_SEMI_SUPERVISED_CONFIG,
} from './semi-supervised';
export type {
  SemiSupervisedNetworks,
  SemiSupervisedConfig,
  SemiSupervisedBatch,
  SemiSupervisedNoise,
  SemiSupervisedOptions,
  SemiSupervisedPart,
  SemiSupervisedResult,
  SupervisedPoseResult,
} from './semi-supervised';
export {
  fitGaussianPrior,
  standardizePoses,
  unstandardizePoses,
  posePriorParams,
  posePriorInvCholesky,
  samplePosePrior,
  checkPosePriorCholesky,
} from './pose-prior';
export type { PosePrior, PosePriorParams, FitGaussianPriorOptions, SamplePosePriorOptions } from './pose-prior';
export { createVaeGanTrainer, validateVaeGanTrainerConfig, DEFAULT_VAE_GAN_TRAINER_CONFIG } from './vae-gan';
export type {
  VaeGanTrainerConfig,
  VaeGanGeneratorOutput,
  VaeGanStepContext,
  VaeGanBatch,
  VaeGanTrainerOptions,
  VaeGanStepResult,
  VaeGanStepLosses,
  VaeGanTrainer,
} from './vae-gan';
