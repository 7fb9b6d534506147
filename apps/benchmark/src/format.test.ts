import {
  appearanceTable,
  consoleTables,
  modelTableRows,
  pointsOf,
  semiTable,
  transferCeilingTable,
  transferTable,
} from './format';
import type { ModelSummary } from './summary';
import type { Results } from './types';

const ms = (mean: number, n = 4) => ({ mean, std: 0, n, infinite: 0 });
const colour = (all: number) => ({ top: ms(all), bottom: ms(all), all: ms(all, 8) });

function results(models: Partial<ModelSummary>[], data = 'synthetic-64 (built-in)'): Results {
  return {
    ssimConvention: 'pg2',
    summary: {
      models: models.map((m) => ({
        label: 'm',
        kind: 'conditional',
        dataId: 'x',
        dataLabel: data,
        builtIn: true,
        transferCeilings: [],
        ...m,
      })),
      references: [],
      ceilings: [],
      appearanceAbsent: [],
      tables: [],
    },
  } as unknown as Results;
}

describe('the shared table definitions', () => {
  const transfer = {
    psnr: ms(21),
    ssim: ms(0.7),
    copyPsnr: ms(18),
    copySsim: ms(0.6),
    bgPsnr: ms(19),
    bgSsim: ms(0.65),
    zeroPsnr: ms(15),
    zeroSsim: ms(0.62),
    sharpness: ms(0.5),
    copySharpness: ms(1),
    zeroSharpness: ms(0.2),
  };
  const appearance = {
    pairs: 4,
    model: colour(20),
    constant: colour(60),
    copy: colour(90),
    background: colour(120),
    zero: colour(58),
    source: colour(8),
    constantColours: { top: null, bottom: null },
    ratio: 1 / 3,
  };

  it('the transfer table puts every baseline below the model; without part maps the colour column says n/a', () => {
    const t = transferTable(results([{ transfer, appearance }]), { spread: false });
    expect(t?.rows.map((r) => [r[0], r[3], r[4], r[5], r[6], r[7]])).toEqual([
      ['m', 'transfer', '21.00', '0.700', '20.0', '0.50'],
      ['', 'copy source', '18.00', '0.600', '90.0', '1.00'],
      ['', 'background only', '19.00', '0.650', '120.0', '0'],
      ['', 'z = 0 decode', '15.00', '0.620', '58.0', '0.20'],
      ['', 'constant colour', '–', '–', '60.0', '–'],
    ]);
    const real = transferTable(results([{ transfer, appearance: null }]), { spread: true });
    expect(real?.rows.map((r) => r[6])).toEqual(['n/a', 'n/a', 'n/a', 'n/a']);
    expect(real?.rows[0][4]).toBe('21.00 ± 0.00');
  });

  it('the appearance table meets its target at ratio <= 1/3 exactly; shown values never look better than they are', () => {
    const ok = appearanceTable(results([{ appearance }]));
    expect(ok?.rows[0].slice(-2)).toEqual(['0.334', 'yes']); // 1/3 rounded up
    expect(ok?.rows[0].slice(-4, -2)).toEqual(['60.0 ± 0.0', '8.0 ± 0.0']); // constant colour, then the source-colour floor
    const bad = appearanceTable(results([{ appearance: { ...appearance, ratio: 0.3334 } }]));
    expect(bad?.rows[0].slice(-2)).toEqual(['0.334', 'no']);
    expect(appearanceTable(results([{ appearance: null }]))).toBeNull();
  });

  it('the fraction of the ceiling is rounded down, so 79.99 % does not read as 80 %', () => {
    const t = transferCeilingTable(
      results([
        {
          transferCeilings: [
            { estimator: 'a', main: true, transferPckh: 0.62, ceilingPckh: 0.7751, fraction: 0.62 / 0.7751 },
            { estimator: 'b', main: false, transferPckh: 0.8, ceilingPckh: 1, fraction: 0.8 },
          ],
        },
      ]),
    );
    expect(t?.rows.map((r) => r.slice(-2))).toEqual([
      ['79.9 %', 'no'],
      ['80.0 %', 'yes'],
    ]);
  });

  it('the Semi pose table shows each Semi model beside the supervised-only model of its supervision, and its gain in points', () => {
    const p = (pckh: number) => ({ pckh, pckBbox01: pckh / 2, headBox: null, bbox: null, joints: 1, images: 1 });
    const semi = (
      label: string,
      supervision: number,
      pckh: number,
      baseline: { label: string; pckh: number | null; gain: number | null } | null,
    ) =>
      ({
        label,
        kind: 'semi',
        supervision,
        pckEstimate: p(pckh),
        pckMeanPose: p(0.05),
        supervisedBaseline: baseline,
      }) as Partial<ModelSummary>;
    const sup = (label: string, supervision: number, pckh: number) =>
      ({
        label,
        kind: 'semi',
        supervisedOnly: true,
        supervision,
        pckEstimate: p(pckh),
        pckMeanPose: p(0.05),
      }) as Partial<ModelSummary>;
    // without a supervised-only model: the table as before
    const plain = semiTable(results([semi('semi-25', 0.25, 0.3, null), semi('semi-50', 0.5, 0.4, null)]));
    expect(plain?.header).toEqual([
      'model',
      'supervision',
      'data',
      'PCKh@0.5 (%)',
      'PCK@0.1 bbox (%)',
      'constant mean pose PCKh@0.5 (%)',
      'constant mean pose PCK@0.1 bbox (%)',
    ]);
    expect(plain?.rows.map((r) => r[0])).toEqual(['semi-50', 'semi-25']);
    // with one: the baseline columns, the supervised-only rows below
    const r = results([
      semi('semi-25', 0.25, 0.3, { label: 'supervised-small-64-25', pckh: 0.184, gain: 0.3 - 0.184 }),
      semi('semi-75', 0.75, 0.5, null),
      sup('supervised-small-64-25', 0.25, 0.184),
      semi('semi-50', 0.5, 0.2, { label: 'supervised-small-64-50', pckh: 0.25, gain: 0.2 - 0.25 }),
      sup('supervised-small-64-50', 0.5, 0.25),
    ]);
    const t = semiTable(r);
    expect(t?.header.slice(0, 9)).toEqual([
      'model',
      'training',
      'supervision',
      'data',
      'PCKh@0.5 (%)',
      'PCK@0.1 bbox (%)',
      'supervised-only model, same supervision',
      'its PCKh@0.5 (%)',
      'gain of Semi (PCKh@0.5 points)',
    ]);
    expect(t?.rows.map((x) => [x[0], x[2], x[4], x[6], x[7], x[8]])).toEqual([
      ['semi-75', '75 %', '50.0', 'none in this run', '–', '–'],
      ['semi-50', '50 %', '20.0', 'supervised-small-64-50', '25.0', '-5.0'],
      ['semi-25', '25 %', '30.0', 'supervised-small-64-25', '18.4', '+11.6'],
      ['supervised-small-64-50', '50 %', '25.0', '–', '–', '–'],
      ['supervised-small-64-25', '25 %', '18.4', '–', '–', '–'],
    ]);
    expect(t?.rows[0][1]).toMatch(/^Semi-DGPose/);
    expect(t?.rows[3][1]).toMatch(/^supervised only/);
    expect(t?.rows.every((x) => x.length === t.header.length)).toBe(true);
    expect(consoleTables(r)).toMatch(/and the supervised-only baseline of the same supervision\n.*gain of Semi/);
    expect([pointsOf(0.1234), pointsOf(-0.04), pointsOf(0), pointsOf(null)]).toEqual(['+12.3', '-4.0', '+0.0', '–']);
    expect(
      modelTableRows({
        models: [
          {
            label: 'x',
            kind: 'semi',
            supervisedOnly: true,
            preset: 'small',
            supervision: 0.25,
            imageSize: 64,
            paramCount: 1,
            source: { type: 'zoo', name: 'x' },
            sha256: [],
          },
        ],
      } as unknown as Results)[0][1],
    ).toBe('semi (supervised only)');
  });
});
