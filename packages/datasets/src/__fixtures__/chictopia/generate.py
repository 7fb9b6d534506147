#!/usr/bin/env python3
"""Regenerates this tiny ChictopiaPlus fixture (ClothNet's generation/data/pose layout) with numpy only.

Images: 48x48 RGB PNGs, black background (ClothNet zeroes the background), a 3x3 white square at
every joint. Poses: DeeperCut output as written by classner/up pose/pose_deepercut.py:
np.savez_compressed('<image>_pose.npz', pose=pose), pose = rows (x, y, confidence[, offset x, offset y])
by 14 LSP joints. Run from this folder: python3 generate.py
"""
import os
import struct
import zlib

import numpy as np

W = H = 48
# LSP-14 order: r_ankle, r_knee, r_hip, l_hip, l_knee, l_ankle, r_wrist, r_elbow, r_shoulder,
# l_shoulder, l_elbow, l_wrist, neck, head_top. The subject faces the camera: its right is image-left.
BASE = np.array([[18, 44], [19, 36], [20, 27], [28, 27], [29, 36], [30, 44], [10, 26], [13, 19],
                 [18, 13], [30, 13], [35, 19], [38, 26], [24, 11], [24, 3]], dtype=np.float64)
SWAP = [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]


def png(path, img):
    raw = b''.join(b'\x00' + img[y].tobytes() for y in range(img.shape[0]))
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def draw(xy):
    img = np.zeros((H, W, 3), dtype=np.uint8)
    for x, y in xy.round().astype(int):
        img[max(0, y - 1):y + 2, max(0, x - 1):x + 2] = 255
    return img


def sample(part, idx, name, xy, conf, rows, pose_dir):
    ext = os.path.join('extracted', part)
    os.makedirs(ext, exist_ok=True)
    os.makedirs(pose_dir, exist_ok=True)
    png(os.path.join(ext, '%d_image:png.png' % idx), draw(xy))
    with open(os.path.join(ext, '%d_original_filename.txt' % idx), 'w') as f:
        f.write(name)
    pose = np.zeros((rows, 14))
    pose[0], pose[1], pose[2] = xy[:, 0], xy[:, 1], conf
    np.savez_compressed(os.path.join(pose_dir, '%d_image:png.png_pose.npz' % idx), pose=pose)


conf = np.full(14, 0.9)
conf[6] = 0.05  # a low-confidence right wrist
shifted = BASE + np.array([3.0, -1.0])
swapped = np.stack([(W - 1) - shifted[SWAP, 0], shifted[SWAP, 1]], axis=1)  # the left/right-flipped copy
sample('train', 0, '12345.jpg', BASE, conf, 5, 'input/train')
sample('train', 1, '23456.jpg', shifted, np.full(14, 0.8), 3, 'input/train')
sample('train', 2, '23456_swapped.jpg', swapped, np.full(14, 0.8)[SWAP], 5, 'input/train')
sample('val', 0, '34567.jpg', BASE + np.array([-2.0, 2.0]), np.full(14, 0.7), 3, 'extracted/val')
sample('test', 0, '45678.jpg', BASE, np.full(14, 0.6), 5, 'input/test')
