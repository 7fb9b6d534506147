// PCKh on the real DeepFashion test keypoints (pose-gan CSV: name:keypoints_y:keypoints_x, -1 = missing),
// checked against a direct port of Pose-Transfer's tool/calPCKH_fashion.py written here on raw lists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeWithSharedData } from '@dgpose/test-utils';
import { PCKH_FASHION, pck, pckCurve, type PoseLike } from './pck';
import { makeRng } from './__fixtures__/synthetic';

interface Row {
  name: string;
  ys: number[];
  xs: number[];
}

function parseCsv(file: string): Row[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  expect(lines[0]).toBe('name:keypoints_y:keypoints_x');
  return lines.slice(1).map((l) => {
    const [name, ys, xs] = l.split(':');
    return { name, ys: JSON.parse(ys) as number[], xs: JSON.parse(xs) as number[] };
  });
}

const toPose = (r: { ys: number[]; xs: number[] }): PoseLike => ({
  skeleton: 'coco18',
  keypoints: r.xs.map((x, j) => (x === -1 || r.ys[j] === -1 ? null : { x, y: r.ys[j] })),
});

// --- the Python script, ported line by line (isRight, ValidPoints, get_head_wh, main loop) ---
const PARTS_SEL = [0, 1, 14, 15, 16, 17];
function headWH(xs: number[], ys: number[]): [number, number] {
  const pts = PARTS_SEL.filter((c) => xs[c] !== -1 && ys[c] !== -1).map((c) => [xs[c], ys[c]]);
  if (pts.length < 2) return [-1, -1];
  const px = pts.map((p) => p[0]);
  const py = pts.map((p) => p[1]);
  return [Math.max(...px) - Math.min(...px), Math.max(...py) - Math.min(...py)];
}
function scriptPckh(pred: Row[], gt: Row[], alpha = 0.5): { nCorrect: number; nAll: number } {
  let nAll = 0;
  let nCorrect = 0;
  gt.forEach((t, i) => {
    const p = pred[i];
    const [w, h] = headWH(t.xs, t.ys);
    if (w === -1 || h === -1) return;
    nAll += t.ys.filter((v) => v !== -1).length;
    for (let j = 0; j < t.xs.length; j++) {
      if (p.xs[j] === -1 || p.ys[j] === -1 || t.xs[j] === -1 || t.ys[j] === -1) continue;
      if (Math.abs(p.xs[j] - t.xs[j]) < w * alpha && Math.abs(p.ys[j] - t.ys[j]) < h * alpha) nCorrect++;
    }
  });
  return { nCorrect, nAll };
}

describeWithSharedData('PCKh on the DeepFashion test annotations', (dataDir) => {
  const csv = path.join(dataDir, 'realdata', 'deepfashion', 'annotations', 'fasion-annotation-test.csv');
  let rows: Row[] = [];
  beforeAll(() => {
    rows = parseCsv(csv);
  });

  it('parses 18 joints per row and skips the all-missing rows', () => {
    expect(rows.length).toBeGreaterThan(4000);
    for (const r of rows) expect([r.xs.length, r.ys.length]).toEqual([18, 18]);
    const allMissing = rows.filter((r) => r.xs.every((v) => v === -1));
    expect(allMissing.length).toBeGreaterThan(0);
    const gt = rows.map(toPose);
    const res = pck(gt, gt, PCKH_FASHION);
    expect(res.skipped.length).toBeGreaterThanOrEqual(allMissing.length);
    for (const i of res.skipped) expect(headWH(rows[i].xs, rows[i].ys)).toEqual([-1, -1]);
    expect(res.images + res.skipped.length).toBe(rows.length);
  });

  it('ground truth against itself: 1 except images with a zero-size head box', () => {
    const gt = rows.map(toPose);
    const res = pck(gt, gt, PCKH_FASHION);
    const ref = scriptPckh(rows, rows);
    expect([res.correct, res.total]).toEqual([ref.nCorrect, ref.nAll]);
    // the script keeps a head box of zero width or height, whose joints can then never be correct
    const degenerate = rows.filter((r) => {
      const [w, h] = headWH(r.xs, r.ys);
      return w !== -1 && (w === 0 || h === 0);
    });
    const lost = degenerate.reduce((s, r) => s + r.ys.filter((v) => v !== -1).length, 0);
    expect(res.total - res.correct).toBe(lost);
    const kept = rows.filter((r) => !degenerate.includes(r)).map(toPose);
    expect(pck(kept, kept, PCKH_FASHION).pck).toBe(1);
  });

  it('a copy shifted by exactly +1 px in x is correct iff the head box is wider than 2 px', () => {
    const shifted = rows.map((r) => ({ ...r, xs: r.xs.map((x) => (x === -1 ? -1 : x + 1)) }));
    const res = pck(shifted.map(toPose), rows.map(toPose), PCKH_FASHION);
    let correct = 0;
    let total = 0;
    for (const r of rows) {
      const [w, h] = headWH(r.xs, r.ys);
      if (w === -1) continue;
      const valid = r.ys.filter((v) => v !== -1).length;
      total += valid;
      if (1 < 0.5 * w && 0 < 0.5 * h) correct += valid; // |dx| = 1, |dy| = 0 for every joint
    }
    expect([res.correct, res.total]).toEqual([correct, total]);
    expect(res.pck).toBeGreaterThan(0.5);
    expect(res.pck).toBeLessThan(1);
  });

  it('a seeded noisy copy with dropped joints matches the script port', () => {
    const rng = makeRng(2024);
    const noisy = rows.map((r) => {
      const xs = [...r.xs];
      const ys = [...r.ys];
      for (let j = 0; j < 18; j++) {
        if (xs[j] === -1) continue;
        if (rng() % 10 === 0) {
          xs[j] = -1; // dropped by the estimator
          ys[j] = -1;
          continue;
        }
        xs[j] += (rng() % 17) - 8;
        ys[j] += (rng() % 17) - 8;
      }
      return { name: r.name, xs, ys };
    });
    const res = pck(noisy.map(toPose), rows.map(toPose), PCKH_FASHION);
    const ref = scriptPckh(noisy, rows);
    expect([res.correct, res.total]).toEqual([ref.nCorrect, ref.nAll]);
    expect(res.pck).toBeGreaterThan(0.2);
    expect(res.pck).toBeLessThan(0.95);
    const curve = pckCurve(noisy.map(toPose), rows.map(toPose), { normaliser: 'headBox', thresholds: [0.25, 0.5, 1] });
    expect(curve.pck[1]).toBe(res.pck);
    expect(Math.round(curve.pck[0] * curve.total)).toBe(scriptPckh(noisy, rows, 0.25).nCorrect);
    expect(Math.round(curve.pck[2] * curve.total)).toBe(scriptPckh(noisy, rows, 1).nCorrect);
  });
});
