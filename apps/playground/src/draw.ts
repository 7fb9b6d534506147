/* Drawing on canvases: RGB images scaled to the view, and COCO-18 skeletons over them. */
import { COCO18, type Pose, type RgbImage } from '@dgpose/core';
import { imageDataFromRgb } from './image-input';

/** Draws `im` scaled to fill `canvas` (smoothed, so 64x64 outputs are not blocky). */
export function drawImage(canvas: HTMLCanvasElement, im: RgbImage): void {
  const src = document.createElement('canvas');
  src.width = im.width;
  src.height = im.height;
  src.getContext('2d')!.putImageData(imageDataFromRgb(im), 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
}

// right side warm, left side cool, centre white (as OpenPose draws them)
function limbColour(a: string, b: string): string {
  const name = `${a} ${b}`;
  if (/(^| )r_/.test(name) && !/l_/.test(name)) return '#ff6a3d';
  if (/(^| )l_/.test(name) && !/r_/.test(name)) return '#33b5ff';
  return '#f5f5f5';
}

export interface SkeletonStyle {
  /** Dashed lines (e.g. an estimate beside the pose in use). */
  dashed?: boolean;
  /** One colour for every limb instead of the left/right colours. */
  colour?: string;
  /** Joint handle radius in view pixels. */
  jointRadius?: number;
  /** Index of a joint to highlight (the one being dragged). */
  active?: number;
}

/** Draws `pose` (pixel coords of a `frame`×`frame` image) over `canvas`. */
export function drawSkeleton(canvas: HTMLCanvasElement, pose: Pose, frame: number, style: SkeletonStyle = {}): void {
  const ctx = canvas.getContext('2d')!;
  const s = canvas.width / frame;
  const at = (j: number): [number, number] | null => {
    const k = pose.keypoints[j];
    return k ? [(k.x + 0.5) * s, (k.y + 0.5) * s] : null;
  };
  ctx.save();
  ctx.lineWidth = 3;
  ctx.lineCap = 'round';
  ctx.setLineDash(style.dashed ? [6, 5] : []);
  for (const [a, b] of COCO18.limbs) {
    const p = at(a);
    const q = at(b);
    if (!p || !q) continue;
    ctx.strokeStyle = style.colour ?? limbColour(COCO18.joints[a], COCO18.joints[b]);
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
    ctx.lineTo(q[0], q[1]);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const r = style.jointRadius ?? 3.5;
  pose.keypoints.forEach((_, j) => {
    const p = at(j);
    if (!p) return;
    ctx.beginPath();
    ctx.arc(p[0], p[1], j === style.active ? r + 2 : r, 0, 2 * Math.PI);
    ctx.fillStyle = j === style.active ? '#ffe14d' : (style.colour ?? '#ffffff');
    ctx.strokeStyle = '#222';
    ctx.lineWidth = 1.5;
    ctx.fill();
    ctx.stroke();
  });
  ctx.restore();
}
