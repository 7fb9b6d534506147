#!/usr/bin/python3
"""Reference values for @dgpose/metrics from scikit-image (run with Debian's python3-skimage).

    /usr/bin/python3 packages/metrics/scripts/make-reference.py [images_dir]

Writes packages/metrics/src/__fixtures__/skimage-reference.json (values only, no pixels):
  * synthetic: seeded pairs generated here with mulberry32 + integer / IEEE-double arithmetic; the
    tests regenerate them bit for bit from the parameters stored in the JSON
    (src/__fixtures__/synthetic.ts mirrors make_pair / make_mask below).
  * real: pairs of DeepFashion images from ../shared/data (never copied into the repository). The
    JPEGs are decoded once by scripts/dump-raw.mjs with sharp -- the decoder the tests use -- and this
    script scores those raw pixels, so both sides see identical input; the sha256 of each decode is
    stored and checked by the tests.

SSIM conventions (scikit-image structural_similarity, channel_axis=-1):
  wang: gaussian_weights=True, sigma=1.5, use_sample_covariance=False (11x11, Wang et al. 2004)
  pg2:  defaults (7x7 uniform window, use_sample_covariance=True), as PG2 score.py
Masked metrics follow PG2 score_mask.py: m = np.uint8(mask[:,:,None]/255.*img) on both images, then
ordinary SSIM / PSNR (data_range 255) and L1 = sum|a-b| / a.size.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(PKG))
OUT = os.path.join(PKG, 'src', '__fixtures__', 'skimage-reference.json')
DEFAULT_IMAGES = os.path.join(os.path.dirname(ROOT), 'shared', 'data', 'realdata', 'deepfashion', 'images')
M32 = 0xFFFFFFFF

CONVENTIONS = {
    'wang': dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False),
    'pg2': dict(),
}

SYNTHETIC = [
    dict(id='u8-noise-rgb', kind='u8-noise', height=48, width=64, channels=3, seed=1, dataRange=255, mask=True),
    dict(id='u8-smooth-rgb', kind='u8-smooth', height=40, width=52, channels=3, seed=2, dataRange=255, mask=True),
    dict(id='u8-smooth-grey', kind='u8-smooth', height=23, width=31, channels=1, seed=3, dataRange=255, mask=True),
    dict(id='u8-min-wang', kind='u8-noise', height=11, width=11, channels=1, seed=4, dataRange=255, mask=False),
    dict(id='u8-min-pg2', kind='u8-smooth', height=7, width=9, channels=2, seed=5, dataRange=255, mask=False),
    dict(id='f64-unit-rgb', kind='f64-unit', height=33, width=29, channels=3, seed=6, dataRange=1, mask=False),
    dict(id='f64-signed-grey', kind='f64-signed', height=26, width=20, channels=1, seed=7, dataRange=2, mask=False),
]

# (a, b) pairs of DeepFashion test images, paths relative to the images folder
REAL_PAIRS = [
    ('annotated/fasionMENJacketsVestsid0000071603_4full.jpg', 'annotated/fasionMENJacketsVestsid0000190301_4full.jpg'),
    ('annotated/fasionMENSweatshirtsHoodiesid0000097802_4full.jpg', 'annotated/fasionMENSweatshirtsHoodiesid0000183103_4full.jpg'),
    ('annotated/fasionMENSweatshirtsHoodiesid0000674001_4full.jpg', 'annotated/fasionMENSweatshirtsHoodiesid0000680701_4full.jpg'),
    ('annotated/fasionMENSweatshirtsHoodiesid0000761301_4full.jpg', 'unannotated/Jackets_Vests-id_0000008408_4_full.jpg'),
    ('unannotated/Sweaters-id_0000088807_4_full.jpg', 'unannotated/Sweaters-id_0000337302_4_full.jpg'),
    ('unannotated/fashionWOMENBlouses_Shirtsid0000694703_4full.jpg', 'unannotated/fashionWOMENBlouses_Shirtsid0000695303_4full.jpg'),
]


def rng(seed):
    """mulberry32, identical to src/__fixtures__/synthetic.ts makeRng."""
    s = [seed & M32]

    def imul(a, b):
        return (a * b) & M32

    def nxt():
        s[0] = (s[0] + 0x6D2B79F5) & M32
        t = s[0]
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return (t ^ (t >> 14)) & M32

    return nxt


def make_pair(c):
    r = rng(c['seed'])
    h, w, ch = c['height'], c['width'], c['channels']
    if c['kind'] in ('u8-noise', 'u8-smooth'):
        a = np.zeros((h, w, ch), np.uint8)
        b = np.zeros((h, w, ch), np.uint8)
        for i in range(h):
            for j in range(w):
                for k in range(ch):
                    r1 = r()
                    r2 = r()
                    base = (r1 >> 24) if c['kind'] == 'u8-noise' else (i * 5 + j * 3 + k * 50 + (r1 >> 28)) % 256
                    a[i, j, k] = base
                    b[i, j, k] = min(255, max(0, base + (r2 % 61) - 30))
        return a, b
    n = h * w * ch
    a = np.zeros(n, np.float64)
    b = np.zeros(n, np.float64)
    for p in range(n):
        u1 = r() / 4294967296
        u2 = r() / 4294967296
        if c['kind'] == 'f64-unit':
            a[p] = u1
            b[p] = 0.7 * u1 + 0.3 * u2
        else:
            a[p] = 2 * u1 - 1
            b[p] = 0.5 * (2 * u1 - 1) + 0.5 * (2 * u2 - 1)
    return a.reshape(h, w, ch), b.reshape(h, w, ch)


def make_mask(h, w):
    """Same as synthetic.ts makeMask: 0 outside a box, integer ramp (37 per pixel) up to 255 inside."""
    m = np.zeros((h, w), np.uint8)
    top, bottom = h // 6, h - 1 - h // 8
    left, right = w // 5, w - 1 - w // 7
    for i in range(h):
        for j in range(w):
            d = min(i - top, bottom - i, j - left, right - j)
            m[i, j] = 0 if d < 0 else min(255, d * 37)
    return m


def ssim_entry(a, b, data_range, conv):
    h, w, ch = a.shape
    kw = CONVENTIONS[conv]
    try:
        mssim, smap = structural_similarity(a, b, channel_axis=-1, data_range=data_range, full=True, **kw)
    except ValueError as e:
        return {'error': str(e)}
    per = [float(structural_similarity(a[:, :, k], b[:, :, k], data_range=data_range, **kw)) for k in range(ch)]
    r = 5 if conv == 'wang' else 3
    pts = sorted({(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (r - 1, r - 1), (r, r), (h // 2, w // 2), (h - 2, 1)})
    samples = [{'i': i, 'j': j, 'c': k, 'v': float(smap[i, j, k])} for (i, j) in pts for k in range(ch)]
    return {'mssim': float(mssim), 'perChannel': per, 'mapMean': float(smap.mean(dtype=np.float64)), 'mapSamples': samples}


def masked_entry(a, b, mask):
    ma = np.uint8(mask[:, :, np.newaxis] / 255. * a)
    mb = np.uint8(mask[:, :, np.newaxis] / 255. * b)
    return {
        'ssim': {conv: ssim_entry(ma, mb, 255, conv) for conv in CONVENTIONS},
        'psnr': float(peak_signal_noise_ratio(ma, mb, data_range=255)),
        'l1': float(np.sum(np.abs(ma.astype(float) - mb.astype(float))) / np.prod(ma.shape)),
    }


def score(a, b, data_range, mask):
    e = {
        'psnr': float(peak_signal_noise_ratio(a, b, data_range=data_range)),
        'ssim': {conv: ssim_entry(a, b, data_range, conv) for conv in CONVENTIONS},
    }
    if mask is not None:
        e['masked'] = masked_entry(a, b, mask)
    return e


def main():
    images_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_IMAGES
    out = {
        'generator': 'packages/metrics/scripts/make-reference.py',
        'versions': {'skimage': skimage.__version__, 'scipy': scipy.__version__, 'numpy': np.__version__},
        'synthetic': [],
        'real': None,
    }
    for c in SYNTHETIC:
        a, b = make_pair(c)
        mask = make_mask(c['height'], c['width']) if c['mask'] else None
        out['synthetic'].append({**c, **score(a, b, c['dataRange'], mask)})
        print('synthetic', c['id'], out['synthetic'][-1]['psnr'])

    if os.path.isdir(images_dir):
        files = sorted({f for p in REAL_PAIRS for f in p})
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(['node', os.path.join(HERE, 'dump-raw.mjs'), tmp] + [os.path.join(images_dir, f) for f in files],
                           check=True, cwd=PKG)
            with open(os.path.join(tmp, 'index.json')) as f:
                index = json.load(f)
            decoded = {}
            for i, (name, info) in enumerate(zip(files, index)):
                raw = np.fromfile(os.path.join(tmp, '%d.raw' % i), np.uint8)
                decoded[name] = raw.reshape(info['height'], info['width'], info['channels'])
                info['file'] = name
        pairs = []
        for fa, fb in REAL_PAIRS:
            a, b = decoded[fa], decoded[fb]
            mask = make_mask(a.shape[0], a.shape[1])
            pairs.append({'a': fa, 'b': fb, **score(a, b, 255, mask)})
            print('real', fa, fb, pairs[-1]['psnr'], pairs[-1]['ssim']['wang']['mssim'], pairs[-1]['ssim']['pg2']['mssim'])
        stats = lambda v: {'mean': float(np.mean(v)), 'std': float(np.std(v))}
        out['real'] = {
            'files': [{'file': i['file'], 'sha256': i['sha256'], 'width': i['width'], 'height': i['height'], 'channels': i['channels']} for i in index],
            'pairs': pairs,
            'batch': {
                'psnr': stats([p['psnr'] for p in pairs]),
                'ssimWang': stats([p['ssim']['wang']['mssim'] for p in pairs]),
                'ssimPg2': stats([p['ssim']['pg2']['mssim'] for p in pairs]),
            },
        }
    else:
        print('no images at %s: real-image references left out' % images_dir, file=sys.stderr)

    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print('wrote', OUT)


if __name__ == '__main__':
    main()
