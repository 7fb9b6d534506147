/*
 * A tiny software rasteriser for the synthetic people: signed-distance shapes (tapered capsules,
 * rounded convex polygons, ellipses) filled with 1-pixel anti-aliasing (coverage = clamp(0.5 - d))
 * and a fake-3D Lambert shading across the shape's width. Pixel (x, y) has its centre at integer
 * coordinates (core's convention). Universal code: no Node imports, no canvas.
 */

/** An RGB float canvas, HWC, values in [0, 1]. */
export interface Canvas {
  width: number;
  height: number;
  rgb: Float32Array;
  /** Optional: id of the shape covering each pixel (coverage >= 1/2 wins), 0 = background. */
  owner: Uint16Array | null;
  /** Id written into `owner` by the shapes being drawn now. */
  current: number;
}

export type RGB = [number, number, number];

/** Fill style: base colour, optional pattern with a second colour, period in pixels. */
export interface Paint {
  color: RGB;
  alt: RGB;
  /** 0 solid, 1 stripes (across the shape's axis), 2 checks, 3 dots. */
  pattern: number;
  /** Pattern period in pixels (ignored for solid). */
  period: number;
}

// Light from the upper left, in front (image coords: x right, y down, z towards the viewer).
const LX = -0.45;
const LY = -0.55;
const LZ = 0.7;
const AMBIENT = 0.5;
const DIFFUSE = 0.62;

export function createCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Float32Array(width * height * 3), owner: null, current: 0 };
}

function patternPick(paint: Paint, u: number, v: number): boolean {
  const p = paint.period;
  switch (paint.pattern) {
    case 1:
      return (Math.floor(u / p) & 1) === 1;
    case 2:
      return ((Math.floor(u / p) + Math.floor(v / p)) & 1) === 1;
    case 3: {
      const fu = u / p - Math.floor(u / p) - 0.5;
      const fv = v / p - Math.floor(v / p) - 0.5;
      return fu * fu + fv * fv < 0.09;
    }
    default:
      return false;
  }
}

/** Blends colour `c` times `shade` into pixel `i` with coverage `a`. */
function blend(cv: Canvas, i: number, c: RGB, shade: number, a: number): void {
  const d = cv.rgb;
  if (cv.owner !== null && a >= 0.5) cv.owner[(i / 3) | 0] = cv.current;
  let r = c[0] * shade;
  let g = c[1] * shade;
  let b = c[2] * shade;
  if (r > 1) r = 1;
  if (g > 1) g = 1;
  if (b > 1) b = 1;
  if (a >= 1) {
    d[i] = r;
    d[i + 1] = g;
    d[i + 2] = b;
  } else {
    d[i] += (r - d[i]) * a;
    d[i + 1] += (g - d[i + 1]) * a;
    d[i + 2] += (b - d[i + 2]) * a;
  }
}

/**
 * Fills a tapered capsule from (ax, ay) with radius ra to (bx, by) with radius rb: the convex hull
 * of the two discs (Inigo Quilez's "uneven capsule" distance). Shading treats it as a cylinder.
 */
export function fillCapsule(
  cv: Canvas,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  ra: number,
  rb: number,
  paint: Paint,
): void {
  const W = cv.width;
  const H = cv.height;
  let dx = bx - ax;
  let dy = by - ay;
  const len = Math.hypot(dx, dy);
  if (len < Math.abs(ra - rb) + 1e-6) {
    // one disc contains the other: draw the larger one
    if (ra >= rb) fillEllipse(cv, ax, ay, ra, ra, paint);
    else fillEllipse(cv, bx, by, rb, rb, paint);
    return;
  }
  const ux = dx / len;
  const uy = dy / len;
  const bb = (ra - rb) / len;
  const aa = Math.sqrt(1 - bb * bb);
  const x0 = Math.max(0, Math.floor(Math.min(ax - ra, bx - rb) - 1));
  const x1 = Math.min(W - 1, Math.ceil(Math.max(ax + ra, bx + rb) + 1));
  const y0 = Math.max(0, Math.floor(Math.min(ay - ra, by - rb) - 1));
  const y1 = Math.min(H - 1, Math.ceil(Math.max(ay + ra, by + rb) + 1));
  const pl = -uy * LX + ux * LY; // perpendicular (-uy, ux) dotted with the light
  const al = ux * LX + uy * LY;
  const solid = paint.pattern === 0;
  for (let y = y0; y <= y1; y++) {
    dy = y - ay;
    for (let x = x0; x <= x1; x++) {
      dx = x - ax;
      const t = dx * ux + dy * uy;
      const s = -dx * uy + dy * ux;
      const qx = s < 0 ? -s : s;
      const k = -bb * qx + aa * t;
      let d: number;
      if (k < 0) d = Math.sqrt(qx * qx + t * t) - ra;
      else if (k > aa * len) d = Math.sqrt(qx * qx + (t - len) * (t - len)) - rb;
      else d = qx * aa + t * bb - ra;
      if (d >= 0.5) continue;
      const cov = d <= -0.5 ? 1 : 0.5 - d;
      // cylinder normal: offset from the axis over the local radius (discs at the ends)
      const tc = t < 0 ? 0 : t > len ? len : t;
      const r = ra + (rb - ra) * (tc / len);
      let ns = s / r;
      let nt = (t - tc) / r;
      let n2 = ns * ns + nt * nt;
      if (n2 > 1) {
        const f = 1 / Math.sqrt(n2);
        ns *= f;
        nt *= f;
        n2 = 1;
      }
      const ndl = ns * pl + nt * al + Math.sqrt(1 - n2) * LZ;
      const shade = AMBIENT + DIFFUSE * (ndl > 0 ? ndl : 0);
      const c = solid ? paint.color : patternPick(paint, t, s) ? paint.alt : paint.color;
      blend(cv, (y * W + x) * 3, c, shade, cov);
    }
  }
}

/** Fills an axis-aligned ellipse, shaded as a sphere. */
export function fillEllipse(cv: Canvas, cx: number, cy: number, rx: number, ry: number, paint: Paint): void {
  const W = cv.width;
  const H = cv.height;
  const x0 = Math.max(0, Math.floor(cx - rx - 1));
  const x1 = Math.min(W - 1, Math.ceil(cx + rx + 1));
  const y0 = Math.max(0, Math.floor(cy - ry - 1));
  const y1 = Math.min(H - 1, Math.ceil(cy + ry + 1));
  const rmin = Math.min(rx, ry);
  const solid = paint.pattern === 0;
  for (let y = y0; y <= y1; y++) {
    const ny = (y - cy) / ry;
    for (let x = x0; x <= x1; x++) {
      const nx = (x - cx) / rx;
      const rr = Math.sqrt(nx * nx + ny * ny);
      const d = (rr - 1) * rmin;
      if (d >= 0.5) continue;
      const cov = d <= -0.5 ? 1 : 0.5 - d;
      const n2 = rr >= 1 ? 1 : rr * rr;
      const ndl = (rr >= 1 ? (nx * LX + ny * LY) / rr : nx * LX + ny * LY) + Math.sqrt(1 - n2) * LZ;
      const shade = AMBIENT + DIFFUSE * (ndl > 0 ? ndl : 0);
      const c = solid ? paint.color : patternPick(paint, y - cy, x - cx) ? paint.alt : paint.color;
      blend(cv, (y * W + x) * 3, c, shade, cov);
    }
  }
}

/**
 * Fills the convex polygon `pts` (x0, y0, x1, y1, ...) grown by `radius` (rounded corners), shaded
 * as a cylinder around the axis through (ox, oy) with unit direction (ux, uy) and half-width `hw`.
 * Pattern coordinates: u along the axis, v across it.
 */
export function fillRoundedPolygon(
  cv: Canvas,
  pts: ArrayLike<number>,
  radius: number,
  paint: Paint,
  ox: number,
  oy: number,
  ux: number,
  uy: number,
  hw: number,
): void {
  const n = pts.length >> 1;
  if (n < 3) return;
  const W = cv.width;
  const H = cv.height;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, pts[2 * i]);
    maxX = Math.max(maxX, pts[2 * i]);
    minY = Math.min(minY, pts[2 * i + 1]);
    maxY = Math.max(maxY, pts[2 * i + 1]);
  }
  const x0 = Math.max(0, Math.floor(minX - radius - 1));
  const x1 = Math.min(W - 1, Math.ceil(maxX + radius + 1));
  const y0 = Math.max(0, Math.floor(minY - radius - 1));
  const y1 = Math.min(H - 1, Math.ceil(maxY + radius + 1));
  const pl = -uy * LX + ux * LY;
  const solid = paint.pattern === 0;
  const inv = 1 / (hw + radius);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // exact polygon distance (Inigo Quilez's sdPolygon), then grown by the radius
      let dmin = Infinity;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i, i++) {
        const vix = pts[2 * i];
        const viy = pts[2 * i + 1];
        const ex = pts[2 * j] - vix;
        const ey = pts[2 * j + 1] - viy;
        const wx = x - vix;
        const wy = y - viy;
        let h = (wx * ex + wy * ey) / (ex * ex + ey * ey);
        h = h < 0 ? 0 : h > 1 ? 1 : h;
        const bx = wx - ex * h;
        const by = wy - ey * h;
        const dd = bx * bx + by * by;
        if (dd < dmin) dmin = dd;
        const c1 = y >= viy;
        const c2 = y < pts[2 * j + 1];
        const c3 = ex * wy > ey * wx;
        if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) inside = !inside;
      }
      const d = (inside ? -Math.sqrt(dmin) : Math.sqrt(dmin)) - radius;
      if (d >= 0.5) continue;
      const cov = d <= -0.5 ? 1 : 0.5 - d;
      const rx = x - ox;
      const ry = y - oy;
      const s = -rx * uy + ry * ux;
      let ns = s * inv;
      if (ns > 1) ns = 1;
      else if (ns < -1) ns = -1;
      const ndl = ns * pl + Math.sqrt(1 - ns * ns) * LZ;
      const shade = AMBIENT + DIFFUSE * (ndl > 0 ? ndl : 0);
      const c = solid ? paint.color : patternPick(paint, rx * ux + ry * uy, s) ? paint.alt : paint.color;
      blend(cv, (y * W + x) * 3, c, shade, cov);
    }
  }
}

/** Darkens a soft-edged ellipse (ground shadow): pixel *= 1 - strength·falloff. */
export function shadowEllipse(cv: Canvas, cx: number, cy: number, rx: number, ry: number, strength: number): void {
  const W = cv.width;
  const H = cv.height;
  const x0 = Math.max(0, Math.floor(cx - rx));
  const x1 = Math.min(W - 1, Math.ceil(cx + rx));
  const y0 = Math.max(0, Math.floor(cy - ry));
  const y1 = Math.min(H - 1, Math.ceil(cy + ry));
  const d = cv.rgb;
  for (let y = y0; y <= y1; y++) {
    const ny = (y - cy) / ry;
    for (let x = x0; x <= x1; x++) {
      const nx = (x - cx) / rx;
      const r2 = nx * nx + ny * ny;
      if (r2 >= 1) continue;
      const f = 1 - strength * (1 - r2);
      const i = (y * W + x) * 3;
      d[i] *= f;
      d[i + 1] *= f;
      d[i + 2] *= f;
    }
  }
}

/** Convex hull (Andrew's monotone chain) of 2D points (x0, y0, x1, y1, ...); returns a flat array. */
export function convexHull(pts: readonly number[]): number[] {
  const n = pts.length >> 1;
  const idx = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => pts[2 * a] - pts[2 * b] || pts[2 * a + 1] - pts[2 * b + 1],
  );
  const cross = (o: number, a: number, b: number): number =>
    (pts[2 * a] - pts[2 * o]) * (pts[2 * b + 1] - pts[2 * o + 1]) -
    (pts[2 * a + 1] - pts[2 * o + 1]) * (pts[2 * b] - pts[2 * o]);
  const lower: number[] = [];
  for (const i of idx) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], i) <= 0) lower.pop();
    lower.push(i);
  }
  const upper: number[] = [];
  for (let k = idx.length - 1; k >= 0; k--) {
    const i = idx[k];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], i) <= 0) upper.pop();
    upper.push(i);
  }
  lower.pop();
  upper.pop();
  const out: number[] = [];
  for (const i of lower.concat(upper)) out.push(pts[2 * i], pts[2 * i + 1]);
  return out;
}
