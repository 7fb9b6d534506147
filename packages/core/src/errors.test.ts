import { DGPoseError, assertFinite } from './errors';
import { expectDGPoseError } from '@dgpose/test-utils';

describe('DGPoseError messages', () => {
  it('print NaN and ±Infinity as themselves, alone or inside values (JSON would print null)', () => {
    expectDGPoseError(() => assertFinite('loss', [1, NaN]), 'E_NAN', /index 1, expected finite numbers, got NaN$/);
    expectDGPoseError(() => assertFinite('loss', [Infinity]), 'E_NAN', /got Infinity$/);
    const e = new DGPoseError('E_NAN', 'joint 3', { got: { x: NaN, y: [-Infinity, 2] }, expected: [0, 255] });
    expect(e.message).toBe('[E_NAN] joint 3, expected [0,255], got {"x":NaN,"y":[-Infinity,2]}');
  });
  it('print other values as before: strings bare, JSON otherwise, long ones cut', () => {
    expect(new DGPoseError('E_ARG', 'a', { expected: 'x', got: null }).message).toBe('[E_ARG] a, expected x, got null');
    expect(new DGPoseError('E_ARG', 'a', { got: 10n }).message).toBe('[E_ARG] a, got 10');
    expect(new DGPoseError('E_ARG', 'a', { got: 'x'.repeat(300) }).message).toHaveLength(
      '[E_ARG] a, got '.length + 300,
    );
    expect(new DGPoseError('E_ARG', 'a', { got: ['x'.repeat(300)] }).message).toMatch(/\.\.\.$/);
  });
});
