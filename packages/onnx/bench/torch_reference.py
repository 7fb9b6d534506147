"""
The reference export of issue 12: the same Conditional-DGPose network built in PyTorch and exported with
torch.onnx.export, for bench/reference.bench.ts to time beside @dgpose/onnx's own export in onnxruntime.

The network is packages/models/bench/torch_mirror.py's Generator (the PyTorch twin of the models' networks,
layer for layer; shared with the training-step bench of @dgpose/models), wrapped in the interface of our
encoder.onnx and decoder.onnx: NHWC images in [-1, 1], normalised pose coords [B,2J] and visibility [B,J] in,
the pose maps drawn inside the graph (Gaussian joint heatmaps scaled by visibility, the limb part masks).
Weights are the twin's random init, batch norms in eval mode: a graph's speed does not depend on them.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 torch_reference.py CONFIG.json OUT_DIR

CONFIG.json: the model config (ConditionalConfig). Writes OUT_DIR/encoder.onnx and OUT_DIR/decoder.onnx
(opset 15, batch a dynamic axis) and prints one JSON line: torch version and parameter counts per part.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "bench"))
import torch_mirror as tm  # noqa: E402  (the twin lives beside the models' bench)


class PoseMaps(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.S, self.sigma = c["imageSize"], c["heatmapSigma"]

    def forward(self, pose, visible):
        joints = tm.gaussian_heatmaps(pose, self.S, self.sigma) * visible[:, :, None, None]
        return torch.cat([joints, tm.limb_maps(pose, self.S)], 1)


class EncoderGraph(nn.Module):
    """q(z|x,y): image NHWC, pose, visible -> z_mu, z_logvar (our encoder.onnx)."""

    def __init__(self, g, maps):
        super().__init__()
        self.g, self.maps = g, maps

    def forward(self, image, pose, visible):
        mu, logvar = self.g.encode(image.permute(0, 3, 1, 2), self.maps(pose, visible))
        return mu, logvar


class DecoderGraph(nn.Module):
    """p(x|z,y) with E_y: z, pose, visible -> image NHWC (our decoder.onnx)."""

    def __init__(self, g, maps):
        super().__init__()
        self.g, self.maps = g, maps

    def forward(self, z, pose, visible):
        return self.g.decode(z, self.maps(pose, visible)).permute(0, 2, 3, 1)


def count(m):
    return sum(p.numel() for p in m.parameters())


def main():
    c = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    if not (c.get("partAppearance") and c.get("latentInjection") == "every-scale" and c.get("prior", "standard") == "standard"):
        raise SystemExit("the PyTorch twin builds partAppearance + every-scale z + standard prior only")
    torch.manual_seed(0)
    g = tm.Generator(c, semi=False).eval()
    maps = PoseMaps(c)
    S, J, d = c["imageSize"], tm.J, c["latentDim"]
    pose = torch.rand(1, 2 * J) * 1.6 - 0.8
    visible = torch.ones(1, J)
    dyn = {k: {0: "batch"} for k in ["image", "z", "pose", "visible", "z_mu", "z_logvar"]}
    with torch.no_grad():
        torch.onnx.export(EncoderGraph(g, maps), (torch.rand(1, S, S, 3) * 2 - 1, pose, visible), os.path.join(out, "encoder.onnx"),
                          input_names=["image", "pose", "visible"], output_names=["z_mu", "z_logvar"], opset_version=15,
                          dynamic_axes={k: dyn[k] for k in ["image", "pose", "visible", "z_mu", "z_logvar"]})
        torch.onnx.export(DecoderGraph(g, maps), (torch.randn(1, d), pose, visible), os.path.join(out, "decoder.onnx"),
                          input_names=["z", "pose", "visible"], output_names=["image"], opset_version=15,
                          dynamic_axes={"z": {0: "batch"}, "pose": {0: "batch"}, "visible": {0: "batch"}, "image": {0: "batch"}})
    params = {
        "poseEncoder": count(g.pose_encoder),
        "appearanceEncoder": count(g.app_stack) + count(g.app_head),
        "decoder": count(g.fc) + count(g.part_colours) + count(g.out) + count(g.ups),
    }
    print(json.dumps({"torch": torch.__version__, "params": params}), flush=True)


if __name__ == "__main__":
    main()
