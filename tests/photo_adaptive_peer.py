"""Independent PyTorch peer of the AdaInt and SepLUT imports (tests/photo_adaptive.test.ts).

The forward passes of ImCharlesY/AdaInt adaint/model.py (AiLUT) and ImCharlesY/SepLUT seplut/model.py
(forward_dummy) rewritten in plain torch ops -- the ailut_transform extension as searchsorted + gather,
SepLUT's lut_transform as grid_sample -- run on the released state dicts.
Usage: python3 photo_adaptive_peer.py adaint|seplut CKPT IN.f32 H W OUT.f32  (planar float32 [3,H,W]).
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F


def trunk(sd, x):
    x = F.interpolate(x, size=(256, 256), mode="bilinear", align_corners=False)
    for i in range(5):
        x = F.leaky_relu(F.conv2d(x, sd[f"backbone.{i}.0.weight"], sd[f"backbone.{i}.0.bias"], 2, 1), 0.2)
        if i < 4:
            x = F.instance_norm(x, weight=sd[f"backbone.{i}.2.weight"], bias=sd[f"backbone.{i}.2.bias"])
    return F.adaptive_avg_pool2d(x, 2).view(1, -1)


def luts(sd, module, code):
    w = F.linear(code, sd[f"{module}.weights_generator.weight"], sd[f"{module}.weights_generator.bias"])
    bank = sd[f"{module}.basis_luts_bank.weight"]
    d = round((bank.shape[0] / 3) ** (1 / 3))
    return F.linear(w, bank).view(1, 3, d, d, d)


def ailut(img, lut, vertices):
    """The ailut_transform forward: per channel lower_bound - 1 clamped, fraction with eps 1e-10, trilinear."""
    d = lut.shape[-1]
    idx, frac = [], []
    for c in range(3):
        v = vertices[0, c].contiguous()
        x = img[0, c].reshape(-1).contiguous()
        i = (torch.searchsorted(v, x, right=False) - 1).clamp(0, d - 2)
        frac.append((x - v[i]) / (v[i + 1] - v[i] + 1e-10))
        idx.append(i)
    out = torch.zeros(3, idx[0].numel(), dtype=torch.float32)
    flat = lut[0].reshape(3, -1)
    for k in range(8):
        dr, dg, db = k & 1, (k >> 1) & 1, (k >> 2) & 1
        o = (idx[0] + dr) + d * (idx[1] + dg) + d * d * (idx[2] + db)
        w = (frac[0] if dr else 1 - frac[0]) * (frac[1] if dg else 1 - frac[1]) * (frac[2] if db else 1 - frac[2])
        out += w * flat[:, o]
    return out.view(1, 3, *img.shape[2:])


def lut_transform(imgs, lut):
    grids = ((imgs - 0.5) * 2.0).permute(0, 2, 3, 1).unsqueeze(1)
    return F.grid_sample(lut, grids, mode="bilinear", padding_mode="border", align_corners=True).squeeze(2)


def main():
    family, ckpt, path_in, h, w, path_out = sys.argv[1:7]
    sd = {k: v.float() for k, v in torch.load(ckpt, map_location="cpu")["state_dict"].items()}
    img = torch.from_numpy(np.fromfile(path_in, dtype=np.float32).reshape(1, 3, int(h), int(w)))
    with torch.no_grad():
        code = trunk(sd, img)
        if family == "adaint":
            lut = luts(sd, "lut_generator", code)
            d = lut.shape[-1]
            iv = F.linear(code, sd["adaint.intervals_generator.weight"], sd["adaint.intervals_generator.bias"])
            iv = iv.view(1, -1, d - 1)
            if iv.shape[1] == 1:
                iv = iv.repeat_interleave(3, dim=1)
            vertices = F.pad(iv.softmax(-1).cumsum(-1), (1, 0), "constant", 0)
            out = ailut(img, lut, vertices)
        else:
            lut3d = luts(sd, "lut3d_generator", code)
            l1 = F.linear(code, sd["lut1d_generator.lut1d_generator.weight"], sd["lut1d_generator.lut1d_generator.bias"])
            lut1d = l1.view(1, 3, -1).sigmoid()
            ilut = torch.stack(torch.meshgrid(*(lut1d[0].unbind(0)[::-1]), indexing="ij"), dim=0).flip(0)
            out = lut_transform(lut_transform(img, ilut.unsqueeze(0)), lut3d)
    out.clamp(0, 1).numpy().astype(np.float32).tofile(path_out)


if __name__ == "__main__":
    main()
