import { expectDGPoseError, rejectsWithDGPoseError } from './index';

class FakeDGPoseError extends Error {
  override readonly name = 'DGPoseError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: { argument?: string } = {},
  ) {
    super(message);
  }
}
const thrower = (code: string, argument?: string) => (): never => {
  throw new FakeDGPoseError(code, `bad ${argument ?? 'thing'}`, { argument });
};

describe('expectDGPoseError / rejectsWithDGPoseError', () => {
  it('return the error when code, argument and message match', async () => {
    expect(
      expectDGPoseError(thrower('E_ARG', 'sigma'), 'E_ARG', { argument: 'sigma', message: /bad sigma/ }).code,
    ).toBe('E_ARG');
    expect((await rejectsWithDGPoseError(Promise.reject(new FakeDGPoseError('E_IO', 'x')), 'E_IO', /x/)).message).toBe(
      'x',
    );
    expect((await rejectsWithDGPoseError(async () => thrower('E_NAN')(), 'E_NAN')).code).toBe('E_NAN');
  });

  it('fail on no throw, another code, a plain Error, another argument or message', async () => {
    expect(() => expectDGPoseError(() => 1, 'E_ARG')).toThrow(/nothing was thrown/);
    expect(() => expectDGPoseError(thrower('E_SHAPE'), 'E_ARG')).toThrow(/got DGPoseError E_SHAPE/);
    expect(() =>
      expectDGPoseError(() => {
        throw new Error('plain');
      }, 'E_ARG'),
    ).toThrow(/got Error: plain/);
    expect(() => expectDGPoseError(thrower('E_ARG', 'a'), 'E_ARG', { argument: 'b' })).toThrow(/argument "b"/);
    expect(() => expectDGPoseError(thrower('E_ARG', 'a'), 'E_ARG', /zzz/)).toThrow(/match/);
    await expect(rejectsWithDGPoseError(Promise.resolve(1), 'E_IO')).rejects.toThrow(/nothing was thrown/);
  });
});
