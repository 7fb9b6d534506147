/*
 * The paper's image-quality numbers (slides of de Bem et al., IJCV 2020; docs/paper-notes.md §6.5),
 * the targets this benchmark puts beside its own. Which SSIM/PSNR implementation the paper used
 * was not found (§6.1), nor any PCK number (§6.2): the curves have no paper values to compare.
 */
import type { DatasetName } from './options';

export interface PaperRow {
  /** Method as the paper names it. */
  method: string;
  /** Semi-DGPose: supervision level (fraction). */
  supervision?: number;
  psnr: number;
  ssim: number;
}

export interface PaperTable {
  /** Number of the table in the slides. */
  id: '2' | '3' | '4' | '5';
  title: string;
  /** The paper's data set and our name for it. */
  dataset: DatasetName;
  datasetLabel: string;
  /** Test images of the paper's split (slides). */
  testImages: number;
  /** Paper resolution. */
  resolution: string;
  rows: PaperRow[];
  /** Which of our models give "ours" rows: conditional, semi, or both. */
  ours: ('conditional' | 'semi')[];
}

export const PAPER_TABLES: readonly PaperTable[] = Object.freeze([
  {
    id: '2',
    title: 'Table 2: image quality on ChictopiaPlus (Conditional-DGPose vs ClothNet-body)',
    dataset: 'chictopia',
    datasetLabel: 'ChictopiaPlus',
    testImages: 2873,
    resolution: '256x256',
    rows: [
      { method: 'Conditional-DGPose', psnr: 21.33, ssim: 0.88 },
      { method: 'ClothNet-body (Lassner et al. 2017)', psnr: 16.89, ssim: 0.82 },
    ],
    ours: ['conditional'],
  },
  {
    id: '3',
    title: 'Table 3: image quality on DeepFashion (Conditional-DGPose vs PG2)',
    dataset: 'deepfashion',
    datasetLabel: 'DeepFashion',
    testImages: 6560,
    resolution: '256x256',
    rows: [
      { method: 'Conditional-DGPose', psnr: 18.38, ssim: 0.79 },
      { method: 'PG2 (Ma et al. 2017)', psnr: 18.96, ssim: 0.83 },
    ],
    ours: ['conditional'],
  },
  {
    id: '4',
    title: 'Table 4: Semi-DGPose image quality on Human3.6M by level of supervision',
    dataset: 'h36m',
    datasetLabel: 'Human3.6M',
    testImages: 1280,
    resolution: '1000x1000 frames',
    rows: [
      { method: 'Semi-DGPose', supervision: 1, psnr: 22.27, ssim: 0.89 },
      { method: 'Semi-DGPose', supervision: 0.75, psnr: 21.49, ssim: 0.87 },
      { method: 'Semi-DGPose', supervision: 0.5, psnr: 21.36, ssim: 0.86 },
      { method: 'Semi-DGPose', supervision: 0.25, psnr: 20.06, ssim: 0.83 },
    ],
    ours: ['semi'],
  },
  {
    id: '5',
    title: 'Table 5: image quality on DeepFashion (Semi-DGPose, Conditional-DGPose, PG2)',
    dataset: 'deepfashion',
    datasetLabel: 'DeepFashion',
    testImages: 6560,
    resolution: '256x256',
    rows: [
      { method: 'Semi-DGPose', psnr: 16.84, ssim: 0.76 },
      { method: 'Conditional-DGPose', psnr: 18.38, ssim: 0.79 },
      { method: 'PG2 (Ma et al. 2017)', psnr: 18.96, ssim: 0.83 },
    ],
    ours: ['semi', 'conditional'],
  },
] as PaperTable[]);

/** Display names of the data sets. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = Object.freeze({
  synthetic: 'synthetic people (built-in)',
  deepfashion: 'DeepFashion',
  h36m: 'Human3.6M',
  chictopia: 'ChictopiaPlus',
});
