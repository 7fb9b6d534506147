import { constantSchedule, cyclicalSchedule, linearWarmup } from './index';

describe('KL weight schedules', () => {
  it('constantSchedule', () => {
    const s = constantSchedule(0.25);
    expect([0, 1, 1e6].map(s)).toEqual([0.25, 0.25, 0.25]);
  });

  it('linearWarmup holds, ramps linearly, then holds', () => {
    const s = linearWarmup({ from: 1e-6, to: 1, start: 100, end: 300 });
    expect(s(0)).toBe(1e-6);
    expect(s(100)).toBe(1e-6);
    expect(s(200)).toBeCloseTo(1e-6 + (1 - 1e-6) / 2, 12);
    expect(s(299)).toBeCloseTo(1e-6 + ((1 - 1e-6) * 199) / 200, 12);
    expect(s(300)).toBe(1);
    expect(s(5000)).toBe(1);
    expect(linearWarmup({ end: 10 })(5)).toBe(0.5);
  });

  it('cyclicalSchedule ramps over the first `ratio` of each period', () => {
    const s = cyclicalSchedule({ period: 10, ratio: 0.5 });
    expect([0, 1, 2.5, 5, 9, 10, 11, 15].map(s)).toEqual([0, 0.2, 0.5, 1, 1, 0, 0.2, 1]);
    expect(cyclicalSchedule({ period: 4, ratio: 1, from: 1, to: 3 })(2)).toBe(2);
  });

  it('rejects bad settings and steps', () => {
    expect(() => linearWarmup({ start: 5, end: 5 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => linearWarmup({ end: NaN })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => cyclicalSchedule({ period: 0 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => cyclicalSchedule({ period: 5, ratio: 0 })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => constantSchedule(Infinity)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => constantSchedule(1)(-1)).toThrow(expect.objectContaining({ code: 'E_ARG' }));
  });
});
