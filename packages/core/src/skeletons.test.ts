import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeWithSharedData } from '@dgpose/test-utils';
import {
  COCO17,
  COCO18,
  H36M17,
  LSP14,
  MPII16,
  SKELETONS,
  SKELETON_NAMES,
  getSkeleton,
  isSkeletonName,
} from './skeletons';
import { isDGPoseError } from './errors';

const all = [COCO18, COCO17, H36M17, LSP14, MPII16];

describe('skeletons', () => {
  it('have the documented sizes and names', () => {
    expect(all.map((s) => [s.name, s.joints.length])).toEqual([
      ['coco18', 18],
      ['coco17', 17],
      ['h36m17', 17],
      ['lsp14', 14],
      ['mpii16', 16],
    ]);
    expect(SKELETON_NAMES).toEqual(['coco18', 'coco17', 'h36m17', 'lsp14', 'mpii16']);
    for (const s of all) expect(SKELETONS[s.name]).toBe(s);
  });

  it('keep the fixed joint orders', () => {
    // Written out independently of skeletons.ts, from the dataset documentation.
    expect(COCO18.joints.join(' ')).toBe(
      'nose neck r_shoulder r_elbow r_wrist l_shoulder l_elbow l_wrist r_hip r_knee r_ankle l_hip l_knee l_ankle r_eye l_eye r_ear l_ear',
    );
    expect(COCO18.headJoints).toEqual([0, 1, 14, 15, 16, 17]);
    expect(COCO17.joints[0]).toBe('nose');
    expect(COCO17.joints[5]).toBe('l_shoulder');
    expect(COCO17.joints[16]).toBe('r_ankle');
    expect(H36M17.joints.slice(0, 7)).toEqual(['pelvis', 'r_hip', 'r_knee', 'r_foot', 'l_hip', 'l_knee', 'l_foot']);
    expect(H36M17.joints.slice(11)).toEqual(['l_shoulder', 'l_elbow', 'l_wrist', 'r_shoulder', 'r_elbow', 'r_wrist']);
    expect(LSP14.joints[12]).toBe('neck');
    expect(LSP14.joints[13]).toBe('head_top');
    expect(MPII16.joints[6]).toBe('pelvis');
    expect(MPII16.joints[9]).toBe('head_top');
    expect(MPII16.joints[10]).toBe('r_wrist');
  });

  it.each(all.map((s) => [s.name, s] as const))('%s is self-consistent', (_n, s) => {
    const J = s.joints.length;
    expect(new Set(s.joints).size).toBe(J);
    const inRange = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < J;
    for (const [a, b] of s.limbs) expect(inRange(a) && inRange(b) && a !== b).toBe(true);
    expect(new Set(s.limbs.map(([a, b]) => [Math.min(a, b), Math.max(a, b)].join())).size).toBe(s.limbs.length);
    // Every joint is drawn by at least one limb.
    const drawn = new Set(s.limbs.flat());
    expect(drawn.size).toBe(J);
    // Flip pairs swap r_X with l_X, and every sided joint has its partner.
    const seen = new Set<number>();
    for (const [a, b] of s.flipPairs) {
      const [r, l] = s.joints[a].startsWith('r_') ? [a, b] : [b, a];
      expect(s.joints[r].startsWith('r_')).toBe(true);
      expect(s.joints[l]).toBe(`l_${s.joints[r].slice(2)}`);
      seen.add(a).add(b);
    }
    s.joints.forEach((n, i) => expect(seen.has(i)).toBe(/^[rl]_/.test(n)));
    for (const h of s.headJoints) expect(inRange(h)).toBe(true);
  });

  it('are frozen', () => {
    expect(Object.isFrozen(COCO18)).toBe(true);
    expect(Object.isFrozen(COCO18.joints)).toBe(true);
    expect(Object.isFrozen(COCO18.limbs[0])).toBe(true);
    expect(Object.isFrozen(SKELETONS)).toBe(true);
    expect(() => {
      (COCO18.joints as string[])[0] = 'x';
    }).toThrow();
  });

  it('getSkeleton returns by name and lists valid names otherwise', () => {
    expect(getSkeleton('lsp14')).toBe(LSP14);
    expect(isSkeletonName('toString')).toBe(false);
    let err: unknown;
    try {
      getSkeleton('coco19');
    } catch (e) {
      err = e;
    }
    expect(isDGPoseError(err, 'E_SKELETON')).toBe(true);
    expect(String((err as Error).message)).toContain('coco18, coco17, h36m17, lsp14, mpii16');
    expect(String((err as Error).message)).toContain('coco19');
    expect(() => getSkeleton('__proto__')).toThrow(/E_SKELETON/);
  });
});

describeWithSharedData('skeletons against mmpose fixtures', (dir) => {
  const read = (p: string): { categories: { keypoints: string[]; skeleton: number[][] }[] } =>
    JSON.parse(fs.readFileSync(path.join(dir, 'realdata/mmpose', p), 'utf8'));

  it('COCO17 limbs are COCO JSON skeleton (1-based there)', () => {
    const cat = read('coco/test_coco.json').categories[0];
    expect(cat.keypoints.map((k) => k.replace(/^left_/, 'l_').replace(/^right_/, 'r_'))).toEqual([...COCO17.joints]);
    expect(cat.skeleton.map(([a, b]) => [a - 1, b - 1])).toEqual(COCO17.limbs.map((l) => [...l]));
  });

  it('H36M17 limbs are mmpose h36m skeleton', () => {
    const cat = read('h36m/h36m_coco.json').categories[0];
    expect(cat.keypoints.length).toBe(17);
    expect(cat.skeleton).toEqual(H36M17.limbs.map((l) => [...l]));
  });
});
