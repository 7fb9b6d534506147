import { appearanceTable, transferCeilingTable, transferTable } from './format';
import type { ModelSummary } from './summary';
import type { Results } from './types';

const ms = (mean: number, n = 4) => ({ mean, std: 0, n, infinite: 0 });
const colour = (all: number) => ({ top: ms(all), bottom: ms(all), all: ms(all, 8) });

function results(models: Partial<ModelSummary>[], data = 'synthetic-64 (built-in)'): Results {
  return {
    ssimConvention: 'pg2',
    summary: { models: models.map((m) => ({ label: 'm', kind: 'conditional', dataId: 'x', dataLabel: data, builtIn: true, transferCeilings: [], ...m })), references: [], ceilings: [], appearanceAbsent: [], tables: [] },
  } as unknown as Results;
}

describe('the shared table definitions', () => {
  const transfer = { psnr: ms(21), ssim: ms(0.7), copyPsnr: ms(18), copySsim: ms(0.6), bgPsnr: ms(19), bgSsim: ms(0.65), zeroPsnr: ms(15), zeroSsim: ms(0.62) };
  const appearance = { pairs: 4, model: colour(20), constant: colour(60), copy: colour(90), background: colour(120), zero: colour(58), constantColours: { top: null, bottom: null }, ratio: 1 / 3 };

  it('the transfer table puts every baseline below the model; without part maps the colour column says n/a', () => {
    const t = transferTable(results([{ transfer, appearance }]), { spread: false });
    expect(t?.rows.map((r) => [r[0], r[3], r[4], r[5], r[6]])).toEqual([
      ['m', 'transfer', '21.00', '0.700', '20.0'],
      ['', 'copy source', '18.00', '0.600', '90.0'],
      ['', 'background only', '19.00', '0.650', '120.0'],
      ['', 'z = 0 decode', '15.00', '0.620', '58.0'],
      ['', 'constant colour', '–', '–', '60.0'],
    ]);
    const real = transferTable(results([{ transfer, appearance: null }]), { spread: true });
    expect(real?.rows.map((r) => r[6])).toEqual(['n/a', 'n/a', 'n/a', 'n/a']);
    expect(real?.rows[0][4]).toBe('21.00 ± 0.00');
  });

  it('the appearance table meets its target at ratio <= 1/3 exactly; shown values never look better than they are', () => {
    const ok = appearanceTable(results([{ appearance }]));
    expect(ok?.rows[0].slice(-2)).toEqual(['0.334', 'yes']); // 1/3 rounded up
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
});
