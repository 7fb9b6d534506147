export type { RgbImage, Sample, SampleSource } from './types';
