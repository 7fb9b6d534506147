"""
The Conditional-DGPose and Semi-DGPose `small` training steps in PyTorch, layer for layer as
packages/models/src/networks.ts builds them (NCHW here, NHWC there; same shapes, same parameter
count), for the step-time comparison of bench/train-step-vs-torch.bench.ts.

The TypeScript bench drives this process over stdin/stdout so that the two sides can alternate in
ONE run: it sends `init <json>` (the config), then `step <kind> <n>` lines, and reads one JSON line
back per command (per step: [wall ms, process CPU ms]). Run with /usr/bin/python3 (Debian's python3-torch) and OPENBLAS_NUM_THREADS=1.

One step mirrors createVaeGanTrainer's: G's loss (L1 + beta*KL + l1Mask * masked L1 + adv * BCE(D(fake), 1);
Semi adds pose * -log q(y*|x) on its all-labelled batch) on G's parameters, then D's halved BCE on
D(real) and D(fake.detach()), both global gradient norms read, then both Adam updates.
The pose maps are rendered inside the step (joint heatmaps: Gaussians, or Semi's frozen per-joint
mapper; part masks: capsules around the limb segments), as in the TypeScript step.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

J = 18
# COCO-18 body parts of @dgpose/mapper's LIMB_PARTS: segments and sigma at 64 px
LIMB_PARTS = [
    ([(0, 1), (0, 14), (0, 15), (14, 16), (15, 17)], 1.8),
    ([(2, 5), (8, 11), (2, 8), (5, 11), (2, 11), (5, 8), (1, 8), (1, 11)], 1.8),
    ([(2, 3)], 1.3), ([(3, 4)], 1.2), ([(5, 6)], 1.3), ([(6, 7)], 1.2),
    ([(8, 9)], 1.6), ([(9, 10)], 1.3), ([(11, 12)], 1.6), ([(12, 13)], 1.3),
]
P = len(LIMB_PARTS)


def scale_channels(c, i):
    return min(c["baseChannels"] * 2 ** (i - 1), c["maxChannels"])


def num_scales(c):
    return round(math.log2(c["imageSize"] / c["bottleneckSize"]))


class EncoderBlock(nn.Module):
    """conv k4 s2 p1 (bias only without norm) -> BN -> LeakyReLU 0.2 (layers' EncoderBlock)."""

    def __init__(self, cin, cout, norm, stride=2):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 4, stride, 1, bias=not norm)
        self.norm = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1) if norm else None

    def forward(self, x):
        y = self.conv(x)
        if self.norm is not None:
            y = self.norm(y)
        return F.leaky_relu(y, 0.2)


class DecoderBlock(nn.Module):
    """ReLU -> deconv k4 s2 p1 -> BN (layers' DecoderBlock, 'transpose')."""

    def __init__(self, cin, cout, norm):
        super().__init__()
        self.conv = nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=not norm)
        self.norm = nn.BatchNorm2d(cout) if norm else None

    def forward(self, x):
        y = self.conv(F.relu(x))
        return self.norm(y) if self.norm is not None else y


class ConvStack(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        blocks = []
        for i in range(1, num_scales(c) + 1):
            cout = scale_channels(c, i)
            blocks.append(EncoderBlock(cin, cout, norm=i != 1))
            cin = cout
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        out = []
        for b in self.blocks:
            x = b(x)
            out.append(x)
        return out


def flat(x):
    # networks.ts flattens NHWC: keep that order so the dense layers see the same layout
    return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)


class Generator(nn.Module):
    def __init__(self, c, semi):
        super().__init__()
        L = num_scales(c)
        b, d = c["bottleneckSize"], c["latentDim"]
        pose_ch = J + P
        self.c = c
        self.pose_encoder = ConvStack(pose_ch, c)
        self.app_stack = ConvStack(3 + pose_ch, c)
        self.app_head = nn.Linear(b * b * scale_channels(c, L) + 3 * P, 2 * d)
        self.fc = nn.Linear(d, b * b * scale_channels(c, L))
        self.part_colours = nn.Linear(d, 3 * P)
        c0 = scale_channels(c, 1)
        self.out = nn.Conv2d(c0 + 4, 3, 3, 1, 1)
        ups = []
        for i in range(L, 0, -1):
            z_in = d if i < L else 0
            ups.append(DecoderBlock(2 * scale_channels(c, i) + z_in, c0 if i == 1 else scale_channels(c, i - 1), norm=True))
        self.ups = nn.ModuleList(ups)
        if semi:
            self.pose_stack = ConvStack(3, c)
            self.pose_head = nn.Linear(b * b * scale_channels(c, L), 4 * J)

    def encode(self, x, heat):
        f = self.app_stack(torch.cat([x, heat], 1))[-1]
        parts = heat[:, J:]
        n, _, h, w = parts.shape
        m = parts.reshape(n, P, h * w)
        pooled = torch.bmm(m, x.reshape(n, 3, h * w).transpose(1, 2)) / (m.sum(2, keepdim=True) + 1e-3)
        q = self.app_head(torch.cat([flat(f), pooled.reshape(n, 3 * P)], 1))
        return q.chunk(2, 1)

    def decode(self, z, heat):
        c = self.c
        n, b = z.shape[0], c["bottleneckSize"]
        skips = self.pose_encoder(heat)
        h = self.fc(z).reshape(n, b, b, -1).permute(0, 3, 1, 2)
        z4 = z.reshape(n, -1, 1, 1)
        for k, blk in enumerate(self.ups):
            f = skips[len(skips) - 1 - k]
            ins = [h, f] if k == 0 else [h, f, z4.expand(-1, -1, f.shape[2], f.shape[3])]
            h = blk(torch.cat(ins, 1))
        parts = heat[:, J:]
        _, _, H, W = parts.shape
        m = parts.reshape(n, P, H * W).transpose(1, 2)
        colours = self.part_colours(z).reshape(n, P, 3)
        cover = m.sum(2, keepdim=True)
        painted = (torch.bmm(m, colours) / (cover + 1e-3)).transpose(1, 2).reshape(n, 3, H, W)
        alpha = cover.clamp(0, 1).transpose(1, 2).reshape(n, 1, H, W)
        return torch.tanh(self.out(torch.cat([F.relu(h), painted, alpha], 1)))

    def estimate_pose(self, x):
        f = self.pose_stack(x)[-1]
        mu, logvar = self.pose_head(flat(f)).chunk(2, 1)
        return mu, F.softplus(logvar + 7) - 7


class Discriminator(nn.Module):
    def __init__(self, d):
        super().__init__()
        cin = 3 + J + P
        blocks = []
        for i in range(1, d["downLayers"] + 1):
            cout = min(d["baseChannels"] * 2 ** (i - 1), d["maxChannels"])
            blocks.append(EncoderBlock(cin, cout, norm=i != 1))
            cin = cout
        cout = min(d["baseChannels"] * 2 ** d["downLayers"], d["maxChannels"])
        blocks.append(EncoderBlock(cin, cout, norm=True, stride=1))
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Conv2d(cout, 1, 4, 1, 1)

    def forward(self, x, heat):
        return self.out(self.blocks(torch.cat([x, heat], 1)))


class Mapper(nn.Module):
    """@dgpose/mapper's coco18-64 per-joint network (frozen; eval-mode batch norm)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 4 * 4 * 64)
        self.bn0 = nn.BatchNorm2d(64)
        ups, bns, cin = [], [], 64
        for cout in [32, 16, 8, 4]:
            ups.append(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False))
            bns.append(nn.BatchNorm2d(cout))
            cin = cout
        self.ups, self.bns = nn.ModuleList(ups), nn.ModuleList(bns)
        self.out = nn.Conv2d(cin, 1, 1)

    def forward(self, coords):
        n = coords.shape[0]
        x = F.relu(self.bn0(self.fc(coords.reshape(n * J, 2)).reshape(n * J, 4, 4, 64).permute(0, 3, 1, 2)))
        for up, bn in zip(self.ups, self.bns):
            x = F.relu(bn(up(x)))
        return torch.sigmoid(self.out(x)).reshape(n, J, 64, 64)


def gaussian_heatmaps(coords, S, sigma):
    px = (coords.reshape(-1, J, 2) + 1) * (S - 1) / 2
    g = torch.arange(S, dtype=torch.float32)
    dx = (g.view(1, 1, 1, S) - px[:, :, 0].view(-1, J, 1, 1)) ** 2
    dy = (g.view(1, 1, S, 1) - px[:, :, 1].view(-1, J, 1, 1)) ** 2
    return torch.exp(-(dx + dy) / (2 * sigma * sigma))


def limb_maps(coords, S):
    px = (coords.reshape(-1, J, 2) + 1) * (S - 1) / 2
    segs = [s for segs, _ in LIMB_PARTS for s in segs]
    a = px[:, [s[0] for s in segs]]  # [n,K,2]
    b = px[:, [s[1] for s in segs]]
    g = torch.arange(S, dtype=torch.float32)
    u, r = g.view(1, 1, 1, S), g.view(1, 1, S, 1)
    ax, ay = a[..., 0, None, None], a[..., 1, None, None]
    dx, dy = (b[..., 0] - a[..., 0])[..., None, None], (b[..., 1] - a[..., 1])[..., None, None]
    t = (((u - ax) * dx + (r - ay) * dy) / (dx * dx + dy * dy + 1e-6)).clamp(0, 1)
    d2 = (u - ax - t * dx) ** 2 + (r - ay - t * dy) ** 2  # [n,K,S,S]
    out, k = [], 0
    for segs_p, sigma in LIMB_PARTS:
        s = sigma * S / 64
        e = torch.exp(-d2[:, k:k + len(segs_p)] / (2 * s * s))
        out.append(e.max(1)[0])
        k += len(segs_p)
    return torch.stack(out, 1)


class Model:
    def __init__(self, c, kind, batch):
        torch.manual_seed(1)
        self.c, self.kind = c, kind
        self.G = Generator(c, semi=kind == "semi")
        self.D = Discriminator(c["discriminator"]) if c["lossWeights"]["adv"] > 0 else None
        self.mapper = Mapper().eval() if kind == "semi" else None
        if self.mapper is not None:
            for p in self.mapper.parameters():
                p.requires_grad_(False)
        self.optG = torch.optim.Adam(self.G.parameters(), lr=c["lr"], betas=(c["beta1"], c["beta2"]))
        self.optD = torch.optim.Adam(self.D.parameters(), lr=c["lrD"], betas=(c["beta1"], c["beta2"])) if self.D else None
        S = c["imageSize"]
        g = torch.Generator().manual_seed(2)
        self.x = torch.rand(batch, 3, S, S, generator=g) * 2 - 1
        self.coords = torch.rand(batch, 2 * J, generator=g) * 1.6 - 0.8

    def param_count(self):
        n = sum(p.numel() for p in self.G.parameters())
        n += sum(p.numel() for p in self.D.parameters()) if self.D else 0
        n += sum(p.numel() for p in self.mapper.parameters()) if self.mapper else 0
        return n

    def step(self):
        c, w = self.c, self.c["lossWeights"]
        x, coords = self.x, self.coords
        S = c["imageSize"]
        with torch.no_grad():
            joints = self.mapper(coords) if self.mapper is not None else gaussian_heatmaps(coords, S, c["heatmapSigma"])
            heat = torch.cat([joints, limb_maps(coords, S)], 1)
        mu, logvar = self.G.encode(x, heat)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        x_hat = self.G.decode(z, heat)
        l1 = (x - x_hat).abs().mean()
        kl = (-0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)).mean()
        loss = w["l1"] * l1 + w["kl"] * kl
        if w.get("l1Mask", 0) > 0:
            mask = heat[:, J:].max(1, keepdim=True)[0]
            loss = loss + w["l1Mask"] * ((x - x_hat).abs() * mask).mean()
        if self.kind == "semi":
            pmu, plogvar = self.G.estimate_pose(x)
            nll = 0.5 * (plogvar + (coords - pmu) ** 2 / plogvar.exp() + math.log(2 * math.pi)).sum(1).mean()
            loss = loss + w["pose"] * nll
        if self.D is not None:
            fl = self.D(x_hat, heat)
            loss = loss + w["adv"] * F.binary_cross_entropy_with_logits(fl, torch.ones_like(fl))
        self.optG.zero_grad(set_to_none=True)
        loss.backward()
        vals = [loss.item(), math.sqrt(sum(float((p.grad * p.grad).sum()) for p in self.G.parameters() if p.grad is not None))]
        if self.D is not None:
            self.optD.zero_grad(set_to_none=True)
            rl, fk = self.D(x, heat), self.D(x_hat.detach(), heat)
            ld = 0.5 * (F.binary_cross_entropy_with_logits(rl, torch.ones_like(rl)) + F.binary_cross_entropy_with_logits(fk, torch.zeros_like(fk)))
            ld.backward()
            vals += [ld.item(), math.sqrt(sum(float((p.grad * p.grad).sum()) for p in self.D.parameters()))]
            self.optD.step()
        self.optG.step()
        if not all(math.isfinite(v) for v in vals):
            raise RuntimeError("non-finite loss")


def main():
    models = {}
    for line in sys.stdin:
        cmd = line.split(" ", 1)
        if cmd[0] == "init":
            a = json.loads(cmd[1])
            torch.set_num_threads(a["threads"])
            for kind, c in a["configs"].items():
                models[kind] = Model(c, kind, a["batch"])
            info = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                    "params": {k: m.param_count() for k, m in models.items()}}
            print(json.dumps(info), flush=True)
        elif cmd[0] == "step":
            kind, n = cmd[1].split()
            times = []
            for _ in range(int(n)):
                t0, c0 = time.perf_counter(), time.process_time()
                models[kind].step()
                times.append([(time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000])
            print(json.dumps(times), flush=True)
        elif cmd[0].strip() == "quit":
            break


if __name__ == "__main__":
    main()
