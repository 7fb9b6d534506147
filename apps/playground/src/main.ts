/*
 * The playground page: pick a person (built-in synthetic people or a photo), edit a target pose by
 * dragging joints, sliders or another image's pose, and watch Conditional-DGPose redraw the person.
 * Everything runs on the main thread: one 64x64 transfer is tens of milliseconds on wasm.
 */
import './style.css';
import type { Pose, RgbImage } from '@dgpose/core';
import { createSyntheticDataset, type Sample } from '@dgpose/datasets';
import type { ConditionalConfig, DGPoseModel, SemiDGPoseModel } from '@dgpose/models';
import type { PoseEstimator } from '@dgpose/zoo';
import { drawImage, drawSkeleton } from './draw';
import {
  backendOrderFromUrl,
  loadAssetsManifest,
  loadConditional,
  loadMoveNet,
  loadSemi,
  startBackend,
  timed,
  type AssetsManifest,
} from './engine';
import { loadPhoto } from './image-input';
import { describeError } from './messages';
import {
  applySliders,
  dropOffFrame,
  looksLikePerson,
  moveJoint,
  nearestJoint,
  NEUTRAL_SLIDERS,
  rescalePose,
  type PoseSliders,
} from './pose-edits';

/** The models' frame: target poses live in 64x64 pixel coordinates. */
const FRAME = 64;
const VIEW = 256;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  backend: $('backend'),
  status: $('status'),
  notice: $('notice'),
  error: $('error'),
  people: $('people'),
  upload: $<HTMLInputElement>('upload'),
  source: $<HTMLCanvasElement>('source'),
  sourceInfo: $('source-info'),
  estimate: $<HTMLButtonElement>('estimate'),
  useEstimate: $<HTMLButtonElement>('use-estimate'),
  estimateInfo: $('estimate-info'),
  target: $<HTMLCanvasElement>('target'),
  targetInfo: $('target-info'),
  poses: $('poses'),
  ownPose: $<HTMLButtonElement>('own-pose'),
  sliders: {
    height: $<HTMLInputElement>('height'),
    rightArm: $<HTMLInputElement>('right-arm'),
    leftArm: $<HTMLInputElement>('left-arm'),
  },
  result: $<HTMLCanvasElement>('result'),
  resultInfo: $('result-info'),
  sample: $<HTMLButtonElement>('sample'),
  samples: $('samples'),
  latency: $('latency'),
};

interface Source {
  image: RgbImage;
  /** Pose in the image's pixel coordinates; null when no person was found. */
  pose: Pose | null;
  label: string;
}

const state = {
  assets: null as AssetsManifest | null,
  conditional: null as DGPoseModel<ConditionalConfig> | null,
  semi: null as SemiDGPoseModel | null,
  movenet: null as PoseEstimator | null,
  source: null as Source | null,
  estimate: null as Pose | null,
  /** The dragged pose, before the sliders (64x64 frame). */
  basePose: null as Pose | null,
  sliders: { ...NEUTRAL_SLIDERS } as PoseSliders,
  dragging: -1,
  sampleSeed: 1,
  renders: 0,
};

// ---- messages and latency ------------------------------------------------------------------------

const latencies = new Map<string, { last: number; n: number; total: number }>();

function record(name: string, ms: number): void {
  const l = latencies.get(name) ?? { last: 0, n: 0, total: 0 };
  l.last = ms;
  l.n++;
  l.total += ms;
  latencies.set(name, l);
  ui.latency.textContent = [...latencies]
    .map(([k, v]) => `${k}: ${v.last.toFixed(0)} ms (mean ${(v.total / v.n).toFixed(0)} over ${v.n})`)
    .join('   ·   ');
}

function showError(message: string | null): void {
  ui.error.hidden = message === null;
  ui.error.textContent = message ?? '';
}

function addNotice(message: string): void {
  ui.notice.hidden = false;
  ui.notice.textContent = ui.notice.textContent ? `${ui.notice.textContent} ${message}` : message;
}

// ---- the target pose and the transfer ------------------------------------------------------------

/** The pose drawn: the dragged pose with the sliders applied, joints pushed off the frame dropped. */
function targetPose(): { pose: Pose; dropped: number } | null {
  if (!state.basePose) return null;
  return dropOffFrame(applySliders(state.basePose, state.sliders), FRAME);
}

function drawTarget(): void {
  const ctx = ui.target.getContext('2d')!;
  ctx.fillStyle = '#0d0e11';
  ctx.fillRect(0, 0, VIEW, VIEW);
  const t = targetPose();
  if (!t) return;
  drawSkeleton(ui.target, t.pose, FRAME, { jointRadius: 5, active: state.dragging });
  ui.targetInfo.textContent = t.dropped > 0 ? `${t.dropped} joint(s) left the frame and are not drawn.` : '';
}

let renderPending = false;
let rendering = false;

/** Asks for a new transfer; while one runs, only the latest request is kept (live dragging). */
function requestTransfer(): void {
  renderPending = true;
  if (!rendering) void renderLoop();
}

async function renderLoop(): Promise<void> {
  rendering = true;
  try {
    while (renderPending) {
      renderPending = false;
      await transferOnce();
    }
  } finally {
    rendering = false;
  }
}

async function transferOnce(): Promise<void> {
  const { conditional, source } = state;
  const t = targetPose();
  if (!conditional || !source || !t) return;
  if (!source.pose) {
    ui.resultInfo.textContent = 'No person to redraw: pick a built-in person or another photo.';
    return;
  }
  try {
    const { value, ms } = await timed(() =>
      conditional.transfer([source.image], [source.pose!], [t.pose], { targetSize: { width: FRAME, height: FRAME } }),
    );
    drawImage(ui.result, value[0]);
    state.renders++;
    ui.result.dataset.renders = String(state.renders);
    record('transfer', ms);
    ui.resultInfo.textContent = `${source.label} in the target pose (${ms.toFixed(0)} ms).`;
  } catch (e) {
    showError(describeError(e, 'Redrawing the person'));
  }
}

// ---- sources: synthetic people and photos --------------------------------------------------------

function drawSource(): void {
  const s = state.source;
  if (!s) return;
  drawImage(ui.source, s.image);
  if (s.pose) drawSkeleton(ui.source, s.pose, s.image.width);
  if (state.estimate) drawSkeleton(ui.source, state.estimate, s.image.width, { dashed: true, colour: '#c6ff4d' });
}

function setSource(src: Source): void {
  state.source = src;
  state.estimate = null;
  ui.useEstimate.disabled = true;
  ui.estimateInfo.textContent = '';
  drawSource();
  requestTransfer();
}

function setBasePose(pose: Pose, frame: number): void {
  state.basePose = rescalePose(pose, frame, FRAME);
  state.sliders = { ...NEUTRAL_SLIDERS };
  syncSliders();
  drawTarget();
  requestTransfer();
}

function thumb(im: RgbImage, size = 36): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  drawImage(c, im);
  return c;
}

function thumbButton(
  parent: HTMLElement,
  im: RgbImage,
  label: string,
  onClick: (b: HTMLButtonElement) => void,
): HTMLButtonElement {
  const b = document.createElement('button');
  b.title = label;
  b.setAttribute('aria-label', label);
  b.appendChild(thumb(im));
  b.addEventListener('click', () => onClick(b));
  parent.appendChild(b);
  return b;
}

function press(group: HTMLElement, b: HTMLButtonElement | null): void {
  group.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
}

function buildGalleries(): Sample[] {
  // held-out identities of the zoo's test split: people the models never saw in training
  const data = createSyntheticDataset({ seed: 0, size: FRAME, identities: 100, posesPerIdentity: 16, split: 'test' });
  const people = Array.from({ length: 8 }, (_, i) => data.getSync(i * 16));
  const poses = Array.from({ length: 8 }, (_, i) => data.getSync((8 + i) * 16 + ((3 * i + 5) % 16)));
  people.forEach((s, i) =>
    thumbButton(ui.people, s.image, `synthetic person ${i + 1}`, (b) => {
      press(ui.people, b);
      setSource({ image: s.image, pose: s.pose, label: `Synthetic person ${i + 1}` });
      ui.sourceInfo.textContent = `Synthetic person ${i + 1} (held out from training); skeleton: its built-in label.`;
    }),
  );
  poses.forEach((s, i) =>
    thumbButton(ui.poses, s.image, `pose ${i + 1}`, (b) => {
      press(ui.poses, b);
      setBasePose(s.pose, s.image.width);
    }),
  );
  return [...people, ...poses];
}

async function onUpload(file: File): Promise<void> {
  showError(null);
  press(ui.people, null);
  try {
    const photo = await loadPhoto(file);
    const size = `${photo.original.width}x${photo.original.height}`;
    const resized = photo.resized ? `, resized to fit ${photo.image.width} px` : '';
    let pose: Pose | null = null;
    let how: string;
    if (state.movenet) {
      const { value, ms } = await timed(() => state.movenet!.estimate([photo.image]));
      record('MoveNet', ms);
      pose = value[0];
      const found = pose.keypoints.filter((k) => k !== null).length;
      how = `MoveNet found ${found} of 18 joints in ${ms.toFixed(0)} ms`;
      if (!looksLikePerson(pose)) {
        showError(
          `No person found in "${file.name}": MoveNet is confident about ${found} joint(s) and no shoulder. Try a photo of one whole person, standing, facing the camera.`,
        );
        pose = null;
      }
    } else if (state.semi) {
      const { value, ms } = await timed(() => state.semi!.estimatePose([photo.image]));
      record('Semi estimatePose', ms);
      pose = value[0];
      how = `pose from Semi-DGPose (${ms.toFixed(0)} ms; MoveNet is not in this build)`;
    } else {
      how = 'no pose estimator loaded';
    }
    ui.sourceInfo.textContent = `"${file.name}" (${size}${resized}); ${how}.`;
    setSource({ image: photo.image, pose, label: `"${file.name}"` });
    if (pose) setBasePose(pose, photo.image.width);
    else {
      const ctx = ui.result.getContext('2d')!;
      ctx.clearRect(0, 0, VIEW, VIEW);
    }
  } catch (e) {
    showError(describeError(e, `Reading "${file.name}"`));
  } finally {
    ui.upload.value = '';
  }
}

// ---- Semi-DGPose, samples ----------------------------------------------------------------------

async function onEstimate(): Promise<void> {
  const { semi, source } = state;
  if (!semi || !source) return;
  try {
    const { value, ms } = await timed(() => semi.estimatePose([source.image]));
    record('Semi estimatePose', ms);
    state.estimate = value[0];
    const n = value[0].keypoints.filter((k) => k !== null).length;
    ui.estimateInfo.textContent = `Semi-DGPose (dashed) estimated ${n} joints in ${ms.toFixed(0)} ms.`;
    ui.useEstimate.disabled = false;
    drawSource();
  } catch (e) {
    showError(describeError(e, 'Estimating the pose with Semi-DGPose'));
  }
}

async function onSample(): Promise<void> {
  const { conditional } = state;
  const t = targetPose();
  if (!conditional || !t) return;
  try {
    const seed = state.sampleSeed++;
    const { value, ms } = await timed(() =>
      conditional.generate(t.pose, 4, { seed, size: { width: FRAME, height: FRAME } }),
    );
    record('generate x4', ms);
    ui.samples.replaceChildren(...value.map((im) => thumb(im, 64)));
    ui.samples.title = `appearances z ~ N(0, I), seed ${seed}`;
  } catch (e) {
    showError(describeError(e, 'Sampling appearances'));
  }
}

// ---- controls -----------------------------------------------------------------------------------

function syncSliders(): void {
  ui.sliders.height.value = String(state.sliders.height);
  ui.sliders.rightArm.value = String(state.sliders.rightArm);
  ui.sliders.leftArm.value = String(state.sliders.leftArm);
  $('height-out').textContent = state.sliders.height.toFixed(2);
  $('right-arm-out').textContent = `${state.sliders.rightArm}°`;
  $('left-arm-out').textContent = `${state.sliders.leftArm}°`;
}

function wireControls(): void {
  for (const key of ['height', 'rightArm', 'leftArm'] as const) {
    ui.sliders[key].addEventListener('input', () => {
      state.sliders[key] = Number(ui.sliders[key].value);
      syncSliders();
      drawTarget();
      requestTransfer();
    });
  }
  const toFrame = (ev: PointerEvent): [number, number] => {
    const r = ui.target.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * FRAME - 0.5, ((ev.clientY - r.top) / r.height) * FRAME - 0.5];
  };
  ui.target.addEventListener('pointerdown', (ev) => {
    const t = targetPose();
    if (!t) return;
    const [x, y] = toFrame(ev);
    const j = nearestJoint(t.pose, x, y, 3);
    if (j < 0) return;
    // the sliders are baked into the pose being dragged, so what moves is what is drawn
    state.basePose = t.pose;
    state.sliders = { ...NEUTRAL_SLIDERS };
    syncSliders();
    state.dragging = j;
    ui.target.setPointerCapture(ev.pointerId);
    drawTarget();
  });
  ui.target.addEventListener('pointermove', (ev) => {
    if (state.dragging < 0 || !state.basePose) return;
    const [x, y] = toFrame(ev);
    state.basePose = moveJoint(state.basePose, state.dragging, x, y, FRAME);
    drawTarget();
    requestTransfer();
  });
  const end = (): void => {
    if (state.dragging < 0) return;
    state.dragging = -1;
    drawTarget();
  };
  ui.target.addEventListener('pointerup', end);
  ui.target.addEventListener('pointercancel', end);
  ui.upload.addEventListener('change', () => {
    const f = ui.upload.files?.[0];
    if (f) void onUpload(f);
  });
  ui.estimate.addEventListener('click', () => void onEstimate());
  ui.useEstimate.addEventListener('click', () => {
    if (state.estimate && state.source) setBasePose(state.estimate, state.source.image.width);
  });
  ui.ownPose.addEventListener('click', () => {
    if (state.source?.pose) {
      press(ui.poses, null);
      setBasePose(state.source.pose, state.source.image.width);
    }
  });
  ui.sample.addEventListener('click', () => void onSample());
}

// ---- start --------------------------------------------------------------------------------------

async function start(): Promise<void> {
  wireControls();
  const samples = buildGalleries();
  try {
    state.assets = await loadAssetsManifest();
    const { value: info, ms } = await timed(() => startBackend(backendOrderFromUrl(location.search), state.assets!));
    record(`backend ${info.backend}`, ms);
    ui.backend.textContent = `backend: ${info.backend}`;
    ui.backend.title = info.skipped.join('\n');
    document.body.dataset.backend = info.backend;
    if (info.notice) addNotice(`${info.notice} (details: hover the backend).`);
  } catch (e) {
    showError(describeError(e, 'Starting TensorFlow.js'));
    document.body.dataset.state = 'error';
    ui.status.textContent = 'failed';
    return;
  }
  const assets = state.assets;
  const loads = [
    timed(() => loadConditional(assets)).then(
      ({ value, ms }) => {
        state.conditional = value;
        record('load conditional-small-64', ms);
      },
      (e) => showError(describeError(e, 'Loading conditional-small-64')),
    ),
    timed(() => loadSemi(assets)).then(
      ({ value, ms }) => {
        state.semi = value;
        record('load semi-small-64-100', ms);
      },
      (e) => showError(describeError(e, 'Loading semi-small-64-100')),
    ),
    timed(() => loadMoveNet(assets)).then(
      ({ value, ms }) => {
        state.movenet = value;
        if (value) record(`load MoveNet ${assets.movenet!.variant}`, ms);
        else
          addNotice(
            'MoveNet is not in this build (build with DGPOSE_MOVENET_DIR set): photos get their pose from Semi-DGPose.',
          );
      },
      (e) => showError(describeError(e, 'Loading MoveNet')),
    ),
  ];
  await Promise.all(loads);
  ui.estimate.disabled = !state.semi;
  ui.sample.disabled = !state.conditional;
  ui.status.textContent = state.conditional ? 'ready' : 'Conditional-DGPose unavailable';
  (ui.people.querySelector('button') as HTMLButtonElement | null)?.click();
  (ui.poses.querySelector('button') as HTMLButtonElement | null)?.click();
  if (!state.basePose) setBasePose(samples[0].pose, FRAME);
  await new Promise<void>((resolve) => {
    const wait = (): void => (rendering || renderPending ? void setTimeout(wait, 20) : resolve());
    wait();
  });
  document.body.dataset.state = state.conditional ? 'ready' : 'error';
}

/** What the browser tests read (the page's own state, not a second implementation of it). */
export interface PlaygroundProbe {
  targetPose(): Pose | null;
  sourcePose(): Pose | null;
  idle(): boolean;
  renders(): number;
}
declare global {
  interface Window {
    __playground?: PlaygroundProbe;
  }
}
window.__playground = {
  targetPose: () => targetPose()?.pose ?? null,
  sourcePose: () => state.source?.pose ?? null,
  idle: () => !rendering && !renderPending && state.dragging < 0,
  renders: () => state.renders,
};

void start();
