/*
 * Errors as sentences for the page: each names what failed and what to do, and keeps the library's
 * code (e.g. E_WEIGHTS_CORRUPT) so a bug report can quote it.
 */
import { isDGPoseError } from '@dgpose/core';
import { PlaygroundError } from './image-input';

/** `context` says what the page was doing, e.g. "Loading conditional-small-64". */
export function describeError(e: unknown, context: string): string {
  if (e instanceof PlaygroundError) return `${context}: ${e.message} [${e.code}]`;
  if (isDGPoseError(e)) {
    switch (e.code) {
      case 'E_WEIGHTS_CORRUPT':
        return `${context}: the weights failed their sha256 check, so they are not the bytes the zoo pinned (a damaged or replaced file). Rebuild the playground (\`pnpm playground\`) to copy them again. [E_WEIGHTS_CORRUPT] ${e.message}`;
      case 'E_WEIGHTS_MISMATCH':
      case 'E_WEIGHTS_VERSION':
      case 'E_WEIGHTS_NAN':
        return `${context}: these weights do not fit this version of the models. Rebuild the playground. [${e.code}] ${e.message}`;
      case 'E_BACKEND':
        return `${context}: no TensorFlow.js backend works in this browser. [E_BACKEND] ${e.message}`;
      default:
        return `${context}: ${e.message} [${e.code}]`;
    }
  }
  const m = e instanceof Error ? e.message : String(e);
  return `${context}: ${m}`;
}
