/*
 * The models behind the page: backend choice, the zoo's Conditional- and Semi-DGPose fetched from the
 * app's own static files (sha256-checked by the zoo), MoveNet from its graph model, and every call
 * timed for the latency panel.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as converter from '@tensorflow/tfjs-converter';
import { initBackend } from '@dgpose/core';
import type { ConditionalConfig, DGPoseModel, SemiDGPoseModel } from '@dgpose/models';
import { createMoveNetFromUrl, loadPretrained, MOVENET_SHA256, type PoseEstimator } from '@dgpose/zoo';
import { PlaygroundError } from './image-input';

/** Backends the page knows, in its default order (fastest first where present). */
export const PAGE_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type PageBackend = (typeof PAGE_BACKENDS)[number];

export interface AssetsManifest {
  zoo: { baseUrl: string; models: string[] };
  movenet: { url: string; variant: 'lightning' | 'thunder' } | null;
  wasm: string;
}

export interface BackendInfo {
  backend: string;
  /** One line per backend tried before the one in use, with why it was skipped. */
  skipped: string[];
  /** A short sentence for the page when a backend that should have been there was not. */
  notice?: string;
}

function pageUrl(rel: string): string {
  return new URL(rel, document.baseURI).href;
}

async function fetchOk(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new PlaygroundError(
      'E_IO',
      `Could not fetch ${what} (${url}): ${(e as Error).message}. Rebuild the playground with \`pnpm playground\`.`,
    );
  }
  if (!res.ok)
    throw new PlaygroundError(
      'E_IO',
      `Could not fetch ${what}: ${url} answered ${res.status}. Rebuild the playground with \`pnpm playground\`.`,
    );
  return res;
}

export async function loadAssetsManifest(): Promise<AssetsManifest> {
  return (await (await fetchOk(pageUrl('assets.json'), 'the list of bundled models')).json()) as AssetsManifest;
}

/** The renderer's name when WebGL is rasterised on the CPU (SwiftShader, llvmpipe), else null. */
function softwareWebGl(): string | null {
  const gl =
    document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? renderer : null;
}

/**
 * Picks the first working backend of `prefer` with core's initBackend (which checks setBackend's
 * boolean, registers dgpose's wasm kernels and says why it fell back). The page's own policy on top:
 * WebGL rasterised in software (headless browsers, no GPU driver) is skipped, as its first transfer
 * takes ~20 s against ~0.4 s on wasm.
 */
export async function startBackend(prefer: readonly PageBackend[], assets: AssetsManifest): Promise<BackendInfo> {
  const skipped: string[] = [];
  let order = [...prefer];
  const soft = order.includes('webgl') ? softwareWebGl() : null;
  if (soft && order.some((n) => n === 'wasm' || n === 'cpu')) {
    order = order.filter((n) => n !== 'webgl');
    skipped.push(`webgl: rendered in software (${soft}), slower than wasm`);
  }
  const r = await initBackend({
    prefer: order,
    backends: {
      webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
      webgl: () => import('@tensorflow/tfjs-backend-webgl'),
    },
    wasmPaths: pageUrl(assets.wasm),
    log: () => undefined,
  });
  for (const a of r.attempts) if (!a.ok) skipped.push(`${a.name}: ${a.reason ?? 'failed'}`);
  const notice = [soft ? 'WebGL is rendered in software here' : '', r.notice ?? ''].filter(Boolean).join('; ');
  return { backend: r.backend, skipped, notice: notice || undefined };
}

/** The backend order from `?backend=wasm` (or `webgl,wasm`), else the default. */
export function backendOrderFromUrl(search: string): PageBackend[] {
  const v = new URLSearchParams(search).get('backend');
  if (!v) return [...PAGE_BACKENDS];
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is PageBackend => (PAGE_BACKENDS as readonly string[]).includes(s));
  return names.length > 0 ? names : [...PAGE_BACKENDS];
}

/** The zoo's fetch loader over the app's copy of the weights folder; it checks the registry's sha256 pins. */
function zooOptions(name: string, assets: AssetsManifest): { baseUrl: string } {
  if (!assets.zoo.models.includes(name))
    throw new PlaygroundError('E_IO', `The weights of '${name}' were not bundled with this build.`);
  return { baseUrl: pageUrl(assets.zoo.baseUrl) };
}

export function loadConditional(assets: AssetsManifest): Promise<DGPoseModel<ConditionalConfig>> {
  return loadPretrained('conditional-small-64', zooOptions('conditional-small-64', assets));
}

export function loadSemi(assets: AssetsManifest): Promise<SemiDGPoseModel> {
  return loadPretrained('semi-small-64-100', zooOptions('semi-small-64-100', assets));
}

/** MoveNet from the graph model the build bundled (its weights' sha256 checked); null when the build had none. */
export async function loadMoveNet(assets: AssetsManifest): Promise<PoseEstimator | null> {
  if (!assets.movenet) return null;
  const { variant, url } = assets.movenet;
  return createMoveNetFromUrl(pageUrl(url), {
    variant,
    scoreThreshold: 0.3,
    converter,
    sha256: MOVENET_SHA256[variant],
  });
}

/** Runs `fn` and reports its wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
