import { expectDGPoseError } from '@dgpose/test-utils';
import {
  checkBoolean,
  checkError,
  checkInt,
  checkIntPair,
  checkKnownKeys,
  checkNonEmptyList,
  checkNonNegativeInt,
  checkNumber,
  checkNumberIn,
  checkOneOf,
  checkPositiveInt,
} from './validate';
import { checkRgbImage } from './image';

describe('shared checks', () => {
  it('return the value when it passes', () => {
    expect(checkNumber('lr', 1e-3, (x) => x > 0, '> 0')).toBe(1e-3);
    expect(checkInt('steps', 5, { min: 1, max: 5 })).toBe(5);
    expect(checkPositiveInt('n', 1)).toBe(1);
    expect(checkNonNegativeInt('pad', 0)).toBe(0);
    expect(checkNumberIn('beta1', 0, 0, 1, { hiOpen: true })).toBe(0);
    expect(checkIntPair('kernelSize', 3)).toEqual([3, 3]);
    expect(checkIntPair('kernelSize', [3, 5])).toEqual([3, 5]);
    expect(checkOneOf('mode', 'nearest', ['nearest', 'bilinear'] as const)).toBe('nearest');
    expect(checkBoolean('flag', false)).toBe(false);
    expect(() => checkKnownKeys({ a: 1 }, { a: 0, b: 0 })).not.toThrow();
    expect(() => checkKnownKeys(undefined, ['a'])).not.toThrow();
  });

  it('throw E_CONFIG naming the argument, the expectation and the value', () => {
    const e = expectDGPoseError(() => checkInt('steps', 2.5, { min: 1 }), 'E_CONFIG', { argument: 'steps' });
    expect(e.details).toMatchObject({ expected: 'an integer >= 1', got: 2.5 });
    expectDGPoseError(() => checkNumber('lr', NaN, () => true, 'finite'), 'E_CONFIG', { argument: 'lr' });
    expectDGPoseError(() => checkNumber('lr', '1', () => true, 'a number'), 'E_CONFIG', { argument: 'lr' });
    expectDGPoseError(() => checkPositiveInt('n', 0), 'E_CONFIG', { argument: 'n' });
    expectDGPoseError(() => checkNonNegativeInt('pad', -1), 'E_CONFIG', { argument: 'pad' });
    expectDGPoseError(() => checkNumberIn('beta1', 1, 0, 1, { hiOpen: true }), 'E_CONFIG', {
      message: /expected a number in \[0, 1\)/,
    });
    expectDGPoseError(() => checkNumberIn('eps', 0, 0, 1, { loOpen: true }), 'E_CONFIG', { argument: 'eps' });
    expectDGPoseError(() => checkIntPair('kernelSize', [3, 3, 3]), 'E_CONFIG', { argument: 'kernelSize' });
    expectDGPoseError(() => checkIntPair('kernelSize', [3, 0]), 'E_CONFIG', { argument: 'kernelSize' });
    expectDGPoseError(() => checkOneOf('mode', 'cubic', ['nearest'] as const), 'E_CONFIG', {
      message: /unknown mode, expected \["nearest"\], got cubic/,
    });
    expectDGPoseError(() => checkBoolean('flag', 1), 'E_CONFIG', { argument: 'flag' });
    expectDGPoseError(() => checkKnownKeys({ lr: 1, lrr: 2 }, { lr: 0 }, { prefix: 'opt.' }), 'E_CONFIG', {
      argument: 'opt.lrr',
      message: /unknown config key opt\.lrr/,
    });
  });

  it('take a prefix and another code', () => {
    expectDGPoseError(() => checkPositiveInt('units', -2, { where: 'Dense(fc)', code: 'E_ARG' }), 'E_ARG', {
      message: /^\[E_ARG\] Dense\(fc\): bad units/,
    });
    expect(checkError('x', 'y', 'z', { message: 'custom' }).message).toBe('[E_CONFIG] custom, expected y, got z');
  });
});

describe('checkRgbImage and checkNonEmptyList', () => {
  const img = (w: number, h: number, n = w * h * 3) => ({
    data: new Uint8Array(n),
    width: w,
    height: h,
    channels: 3 as const,
  });

  it('pass well-formed input', () => {
    expect(() => checkRgbImage(img(4, 3), 'image')).not.toThrow();
    expect(() => checkNonEmptyList([1, 2], 'poses', 2)).not.toThrow();
  });

  it('name what is wrong with an image', () => {
    expectDGPoseError(() => checkRgbImage(null as never, 'images[0]'), 'E_ARG', { argument: 'images[0]' });
    expectDGPoseError(() => checkRgbImage({ ...img(4, 3), data: [0] } as never, 'im'), 'E_ARG', { argument: 'im' });
    expectDGPoseError(() => checkRgbImage(img(1, 3, 9), 'im'), 'E_SHAPE', { argument: 'im' });
    const channels = expectDGPoseError(() => checkRgbImage({ ...img(4, 3), channels: 4 } as never, 'im'), 'E_SHAPE', {
      argument: 'im.channels',
    });
    expect(channels.details).toMatchObject({ expected: 3, got: 4 });
    const data = expectDGPoseError(() => checkRgbImage(img(4, 3, 35), 'im'), 'E_SHAPE', { argument: 'im.data' });
    expect(data.details).toMatchObject({ expected: '4x3x3 = 36 bytes', got: 35 });
  });

  it('refuse an empty list, and a list of the wrong length', () => {
    expectDGPoseError(() => checkNonEmptyList([], 'poses'), 'E_EMPTY', { argument: 'poses' });
    expectDGPoseError(() => checkNonEmptyList(undefined, 'poses'), 'E_EMPTY', { argument: 'poses' });
    const e = expectDGPoseError(() => checkNonEmptyList([1], 'poses', 2), 'E_SHAPE', { argument: 'poses' });
    expect(e.details).toMatchObject({ expected: 2, got: 1 });
  });
});
