import { DGPoseError } from '@dgpose/core';

/** A weight as a plain function of the (0-based) training step, e.g. the KL weight β. */
export type Schedule = (step: number) => number;

function finite(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DGPoseError('E_CONFIG', `${where}: ${name} must be a finite number`, {
      argument: name,
      expected: 'a finite number',
      got: v,
    });
  }
  return v;
}

function checkStep(where: string, step: number): void {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
    throw new DGPoseError('E_ARG', `${where}: step must be a finite number >= 0`, {
      argument: 'step',
      expected: '>= 0',
      got: step,
    });
  }
}

/** β(step) = value for every step. */
export function constantSchedule(value: number): Schedule {
  const v = finite('constantSchedule', 'value', value);
  return (step) => {
    checkStep('constantSchedule', step);
    return v;
  };
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Value up to `start`; default 0. */
  from?: number;
  /** Value from `end` on; default 1. */
  to?: number;
  /** First step of the ramp; default 0. */
  start?: number;
  /** Step at which `to` is reached (> start). */
  end: number;
}

/**
 * Linear KL warm-up (Bowman et al. 2016; VUNet ramps its kl_weight linearly from 1e-6 to 1 between
 * steps 50k and 75k, docs/paper-notes.md §7.2):
 *
 *   β(t) = from                                       for t ≤ start
 *        = from + (to − from)·(t − start)/(end − start) for start < t < end
 *        = to                                         for t ≥ end
 */
export function linearWarmup(opts: LinearWarmupOptions): Schedule {
  const from = finite('linearWarmup', 'from', opts.from ?? 0);
  const to = finite('linearWarmup', 'to', opts.to ?? 1);
  const start = finite('linearWarmup', 'start', opts.start ?? 0);
  const end = finite('linearWarmup', 'end', opts.end);
  if (!(end > start) || start < 0) {
    throw new DGPoseError('E_CONFIG', 'linearWarmup: need 0 <= start < end', {
      argument: 'end',
      expected: `> start (${start}) >= 0`,
      got: end,
    });
  }
  return (step) => {
    checkStep('linearWarmup', step);
    if (step <= start) return from;
    if (step >= end) return to;
    return from + ((to - from) * (step - start)) / (end - start);
  };
}

/** Options of {@link cyclicalSchedule}. */
export interface CyclicalScheduleOptions {
  /** Steps per cycle (> 0). */
  period: number;
  /** Fraction of each cycle spent ramping from `from` to `to` (0, 1]; the rest holds `to`. Default 0.5. */
  ratio?: number;
  /** Default 0. */
  from?: number;
  /** Default 1. */
  to?: number;
}

/**
 * Cyclical KL annealing (Fu et al. 2019): with τ = (t mod period)/period,
 *
 *   β(t) = from + (to − from)·τ/ratio   for τ < ratio,   β(t) = to   otherwise.
 */
export function cyclicalSchedule(opts: CyclicalScheduleOptions): Schedule {
  const period = finite('cyclicalSchedule', 'period', opts.period);
  const ratio = finite('cyclicalSchedule', 'ratio', opts.ratio ?? 0.5);
  const from = finite('cyclicalSchedule', 'from', opts.from ?? 0);
  const to = finite('cyclicalSchedule', 'to', opts.to ?? 1);
  if (!(period > 0))
    throw new DGPoseError('E_CONFIG', 'cyclicalSchedule: period must be > 0', {
      argument: 'period',
      expected: '> 0',
      got: period,
    });
  if (!(ratio > 0 && ratio <= 1)) {
    throw new DGPoseError('E_CONFIG', 'cyclicalSchedule: ratio must be in (0, 1]', {
      argument: 'ratio',
      expected: '(0, 1]',
      got: ratio,
    });
  }
  return (step) => {
    checkStep('cyclicalSchedule', step);
    const tau = (step % period) / period;
    return tau < ratio ? from + ((to - from) * tau) / ratio : to;
  };
}
