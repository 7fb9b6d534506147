import { pck } from '@dgpose/metrics';
import { pckSummary, summarise, toPose } from './summary';
import type { DataInfo, FlatPose, ModelResult, ReferenceResult } from './types';

const SYN: DataInfo = {
  id: 'synthetic-64',
  label: 'synthetic-64 (built-in)',
  dataset: 'synthetic',
  builtIn: true,
  split: 'test',
  imageSize: 64,
  totalImages: 320,
  selected: 3,
  pairsTotal: 4800,
  pairsSelected: 2,
  transferGroundTruth: true,
  partMasks: true,
  details: {},
};
const DF: DataInfo = {
  ...SYN,
  id: 'deepfashion-64',
  label: 'DeepFashion test at 64x64',
  dataset: 'deepfashion',
  builtIn: false,
  totalImages: 6560,
  partMasks: false,
  details: { root: '/d' },
};

/** A COCO-18 pose: head joints around (30,10), body below; `dx` shifts every joint. */
function pose(dx = 0): FlatPose {
  const base: [number, number][] = [
    [30, 8],
    [30, 14],
    [26, 15],
    [24, 22],
    [23, 29],
    [34, 15],
    [36, 22],
    [37, 29],
    [27, 32],
    [27, 42],
    [27, 52],
    [33, 32],
    [33, 42],
    [33, 52],
    [29, 7],
    [31, 7],
    [28, 8],
    [32, 8],
  ];
  return base.map(([x, y]) => [x + dx, y]);
}

function model(
  label: string,
  kind: 'conditional' | 'semi',
  supervision: number | undefined,
  psnrs: (number | null)[],
  ssims: number[],
  dataId = 'synthetic-64',
): ModelResult {
  return {
    label,
    source: { type: 'zoo', name: label },
    kind,
    preset: 'small',
    ...(supervision !== undefined ? { supervision } : {}),
    imageSize: 64,
    paramCount: 1,
    step: 0,
    weightsKind: `dgpose-${kind}`,
    sha256: ['x'],
    reconstructionPose: 'ground truth',
    dataId,
    images: psnrs.map((p, k) => ({
      k,
      index: k * 10,
      id: `i${k}`,
      psnr: p,
      ssim: ssims[k],
      gt: pose(),
      redetected: pose(k),
      ...(kind === 'semi' ? { estimated: pose(2 * k) } : {}),
    })),
    pairs: [
      {
        k: 1,
        from: 0,
        to: 1,
        psnr: 20,
        ssim: 0.5,
        copyPsnr: 15,
        copySsim: 0.25,
        bgPsnr: 10,
        bgSsim: 0.1,
        zeroPsnr: 12,
        zeroSsim: 0.3,
        gt: pose(),
        redetected: pose(),
        redetectedBy: { 'movenet-lightning': pose() },
        ...(dataId === 'synthetic-64'
          ? { gtColour: { top: [0, 0, 0], bottom: [10, 10, 10] }, colour: { top: 5, bottom: 20 } }
          : {}),
      },
      {
        k: 0,
        from: 1,
        to: 0,
        psnr: 22,
        ssim: 0.7,
        copyPsnr: 17,
        copySsim: 0.35,
        bgPsnr: 11,
        bgSsim: 0.2,
        zeroPsnr: 14,
        zeroSsim: 0.4,
        gt: pose(),
        redetected: pose(5),
        redetectedBy: { 'movenet-lightning': pose(1) },
        ...(dataId === 'synthetic-64' ? { gtColour: { top: [100, 100, 100] }, colour: { top: 5 } } : {}),
      },
    ],
    timings: {},
  };
}

describe('summarise', () => {
  it('means and spreads come from the per-image records; an infinite PSNR is counted, not averaged', () => {
    const s = summarise([model('c', 'conditional', undefined, [20, 22, null], [0.5, 0.7, 1])], [], [SYN]);
    const m = s.models[0];
    expect(m.reconstruction?.psnr).toEqual({ mean: 21, std: 1, n: 3, infinite: 1 });
    expect(m.reconstruction?.ssim.mean).toBeCloseTo((0.5 + 0.7 + 1) / 3, 12);
    expect(m.transfer?.psnr.mean).toBe(21);
    expect(m.transfer?.copySsim.mean).toBeCloseTo(0.3, 12);
    expect(m.transfer?.bgSsim.mean).toBeCloseTo(0.15, 12);
    expect(m.transfer?.zeroPsnr.mean).toBe(13);
    expect(m.appearance?.model.all).toMatchObject({ mean: 10, n: 3 });
    expect(m.appearance?.constantColours.top).toEqual([50, 50, 50]);
    const d = 50 * Math.sqrt(3); // |(0,0,0) - (50,50,50)|
    expect(m.appearance?.constant.top.mean).toBeCloseTo(d, 12);
    expect(m.appearance?.constant.bottom).toMatchObject({ mean: 0, n: 1 });
    expect(m.appearance?.ratio).toBeCloseTo(10 / ((d + d + 0) / 3), 12);
  });

  it('Semi models are scored beside the constant mean pose of the selection', () => {
    const s = summarise(
      [model('s', 'semi', 0.5, [20, 21, 22], [0.5, 0.5, 0.5]), model('c', 'conditional', undefined, [20], [0.5])],
      [],
      [SYN],
    );
    // every ground truth is the same pose: the mean pose is exact
    expect(s.models[0].pckMeanPose?.pckh).toBe(1);
    expect(s.models[0].pckMeanPose?.images).toBe(3);
    expect(s.models[1].pckMeanPose).toBeNull();
  });

  it("puts each estimator's re-detected transfer PCKh against its own ceiling", () => {
    const ref = (estimator: string, main: boolean, dx: number): ReferenceResult => ({
      dataId: 'synthetic-64',
      estimator,
      main,
      timing: { ms: 0, images: 2 },
      images: [0, 1].map((k) => ({ k, index: k, gt: pose(), detected: pose(k * dx) })),
    });
    const s = summarise(
      [model('c', 'conditional', undefined, [20], [0.5])],
      [ref('movenet-lightning', false, 0), ref('regressor', true, 30)],
      [SYN],
    );
    expect(s.ceilings.map((c) => [c.estimator, c.main, c.pck?.pckh])).toEqual([
      ['regressor', true, 0.5],
      ['movenet-lightning', false, 1],
    ]);
    expect(s.references).toHaveLength(1);
    const [main, other] = s.models[0].transferCeilings;
    // the run's estimator re-detected pose() and pose(5) in the two transfers
    const tr = pck([toPose(pose()), toPose(pose(5))], [toPose(pose()), toPose(pose())], {
      normaliser: 'headBox',
      alpha: 0.5,
    }).pck;
    expect(main).toEqual({
      estimator: 'regressor',
      main: true,
      transferPckh: tr,
      ceilingPckh: 0.5,
      fraction: tr / 0.5,
    });
    expect(other).toEqual({
      estimator: 'movenet-lightning',
      main: false,
      transferPckh: 1,
      ceilingPckh: 1,
      fraction: 1,
    });
  });

  it('a supervised-only model is a pose estimator only; each Semi model gets the one of its supervision and data as its baseline', () => {
    const sup = (label: string, supervision: number, dx: number, dataId = 'synthetic-64'): ModelResult => ({
      ...model(label, 'semi', supervision, [], [], dataId),
      supervisedOnly: true,
      reconstructionPose: 'none (supervised-only: pose estimation only)',
      images: [0, 1, 2].map((k) => ({ k, index: k * 10, id: `i${k}`, gt: pose(), estimated: pose(dx) })),
      pairs: [],
    });
    const s = summarise(
      [
        model('semi-50', 'semi', 0.5, [20, 21, 22], [0.5, 0.5, 0.5]), // estimates pose(0), pose(2), pose(4)
        model('semi-25', 'semi', 0.25, [20, 21, 22], [0.5, 0.5, 0.5]),
        model('semi-50-df', 'semi', 0.5, [20], [0.5], 'deepfashion-64'),
        sup('sup-50', 0.5, 30), // every joint off by 30 px: PCKh 0
        sup('sup-50-second', 0.5, 0),
      ],
      [],
      [SYN, DF],
    );
    const by = (l: string) => s.models.find((m) => m.label === l) as (typeof s.models)[number];
    const so = by('sup-50');
    expect(so.supervisedOnly).toBe(true);
    expect(so.reconstruction).toBeNull();
    expect(so.transfer).toBeNull();
    expect(so.pckReconstruction).toBeNull();
    expect(so.transferCeilings).toEqual([]);
    expect(so.pckEstimate?.pckh).toBe(0);
    expect(so.pckMeanPose?.pckh).toBe(1);
    expect(so.supervisedBaseline).toBeUndefined();
    // the first supervised-only model of the same supervision on the same data
    const semi50 = by('semi-50');
    expect(semi50.supervisedBaseline).toEqual({ label: 'sup-50', pckh: 0, gain: semi50.pckEstimate?.pckh });
    expect(semi50.pckEstimate?.pckh).toBeGreaterThan(0);
    expect(by('semi-25').supervisedBaseline).toBeNull();
    expect(by('semi-50-df').supervisedBaseline).toBeNull(); // other data
    // no paper table row for a model that reconstructs nothing
    expect(s.tables.flatMap((t) => t.rows.map((r) => r.method)).some((m) => m.includes('sup-50'))).toBe(false);
  });

  it('PCK figures equal @dgpose/metrics on the same poses', () => {
    const recs = [0, 1, 3].map((dx) => ({ pred: pose(dx), gt: pose() }));
    const p = pckSummary(recs);
    const ref = pck(
      recs.map((r) => toPose(r.pred)),
      recs.map((r) => toPose(r.gt)),
      { normaliser: 'headBox', alpha: 0.5 },
    ).pck;
    expect(p?.pckh).toBe(ref);
    expect(p?.headBox?.pck[4]).toBe(ref); // alpha 0.5 is the 5th threshold
    expect(p?.pckBbox01).toBe(
      pck(
        recs.map((r) => toPose(r.pred)),
        recs.map((r) => toPose(r.gt)),
        { normaliser: 'bbox', alpha: 0.1 },
      ).pck,
    );
    expect(pckSummary([])).toBeNull();
  });

  it('puts paper rows beside ours, ours naming its data, and says plainly when the data is synthetic', () => {
    const s = summarise(
      [
        model('conditional-small-64', 'conditional', undefined, [20], [0.5]),
        model('semi-25', 'semi', 0.25, [18], [0.4]),
        model('semi-100', 'semi', 1, [19], [0.45]),
      ],
      [],
      [SYN],
    );
    const t2 = s.tables.find((t) => t.id === '2');
    expect(t2?.rows.map((r) => [r.source, r.psnr, r.ssim])).toEqual([
      ['paper', 21.33, 0.88],
      ['paper', 16.89, 0.82],
      ['ours', 20, 0.5],
    ]);
    expect(t2?.rows[2].data).toBe('synthetic-64 (built-in)');
    expect(t2?.rows[2].data).not.toMatch(/Chictopia/);
    expect(t2?.note).toMatch(
      /built-in synthetic people .* not on ChictopiaPlus, which is not available here: the comparison is of protocol, not of numbers/,
    );
    const t4 = s.tables.find((t) => t.id === '4');
    // ours sorted by supervision, highest first, as the paper's rows
    expect(t4?.rows.filter((r) => r.source === 'ours').map((r) => r.supervision)).toEqual([1, 0.25]);
    expect(t4?.rows.filter((r) => r.source === 'paper').map((r) => r.psnr)).toEqual([22.27, 21.49, 21.36, 20.06]);
    const t5 = s.tables.find((t) => t.id === '5');
    expect(t5?.rows.filter((r) => r.source === 'ours').map((r) => r.method)).toEqual([
      'Semi-DGPose, 100 % [semi-100]',
      'Semi-DGPose, 25 % [semi-25]',
      'Conditional-DGPose [conditional-small-64]',
    ]);
  });

  it("on the paper data set the note gives our test-set size and resolution beside the paper's", () => {
    const s = summarise([model('c', 'conditional', undefined, [20], [0.5], 'deepfashion-64')], [], [DF]);
    expect(s.tables.find((t) => t.id === '3')?.note).toMatch(
      /Ours ran on DeepFashion \(3 of 6560 test images at 64x64\); the paper used 6560 test images/,
    );
    expect(s.tables.find((t) => t.id === '2')?.note).toMatch(
      /not on ChictopiaPlus: the rows are not comparable as numbers/,
    );
    // no part masks: no appearance table, and the summary says why
    expect(s.models[0].appearance).toBeNull();
    expect(s.appearanceAbsent).toEqual([
      {
        dataId: 'deepfashion-64',
        dataLabel: 'DeepFashion test at 64x64',
        reason: expect.stringMatching(/no part masks/),
      },
    ]);
  });
});
