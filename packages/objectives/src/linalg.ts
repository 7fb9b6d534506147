/*
 * Small dense linear algebra in double precision for the pose prior (d = 2J ≈ 36): Cholesky factor,
 * inverse of a lower-triangular matrix, and solves. Matrices are row-major Float64Arrays. Internal.
 */

/**
 * Lower-triangular L with M = L Lᵀ for a symmetric positive-definite n×n M (row-major), or null when a
 * pivot is not positive (M not positive definite to working precision).
 */
export function cholesky(M: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** L⁻¹ of a lower-triangular n×n L with a non-zero diagonal (forward substitution, column by column). */
export function invertLower(L: ArrayLike<number>, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * n + k] * A[k * n + c];
      A[i * n + c] = s / L[i * n + i];
    }
  }
  return A;
}

/** Solves (L Lᵀ) x = b in place for a Cholesky factor L (n×n) and a vector b (length n). */
export function cholSolveInPlace(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * b[k];
    b[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
}
