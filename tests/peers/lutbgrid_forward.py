"""Independent peer of LUTwithBGrid's forward pass (the original models.py with its CUDA extensions written
as plain PyTorch: trilinear bilateral slicing with the released kernels' integer-division coordinates,
tetrahedral LUT). Usage: python3 lutbgrid_forward.py <FiveK_sRGB.pth> <img.npy float32 [3,H,W]> <out.npy>"""
import sys
import numpy as np
import torch
import torch.nn.functional as F

sd = torch.load(sys.argv[1], map_location="cpu")
img = torch.from_numpy(np.load(sys.argv[2])).unsqueeze(0)
_, _, H, W = img.shape


def cell(t, d):
    k = torch.clamp(torch.floor(t * (d - 1)), 0, d - 2)
    return k.long(), (t - k / (d - 1)) * (d - 1)


with torch.no_grad():
    x = F.interpolate(img, size=(256, 256), mode="bilinear", align_corners=False)
    for i, (c, n) in enumerate(zip([1, 4, 7, 10, 13], [3, 6, 9, 12, None])):
        x = F.leaky_relu(F.conv2d(x, sd[f"backbone.model.{c}.weight"], sd[f"backbone.model.{c}.bias"], 2, 1), 0.2)
        if n is not None:
            x = F.instance_norm(x, weight=sd[f"backbone.model.{n}.weight"], bias=sd[f"backbone.model.{n}.bias"])
    f = F.avg_pool2d(x, 5, 2).view(1, 256)
    lin = lambda v, k: F.linear(v, sd[k + ".weight"], sd[k + ".bias"])
    lut = lin(lin(f, "gen_3d_lut.weights_generator"), "gen_3d_lut.basis_luts_bank").view(3, 17, 17, 17)
    grids = lin(lin(f, "gen_bilateral.weights_generator"), "gen_bilateral.basis_grids_bank").view(6, 17, 17, 17)
    D = 17
    xs = (torch.arange(W) // (W - 1)).float().view(1, W).expand(H, W)
    ys = (torch.arange(H) // (H - 1)).float().view(H, 1).expand(H, W)
    xi, xd = cell(xs, D)
    yi, yd = cell(ys, D)
    sliced = []
    for o in range(6):
        v = img[0, o // 2]
        vi, vd = cell(v, D)
        acc = torch.zeros(H, W)
        for cv in (0, 1):
            for cy in (0, 1):
                for cx in (0, 1):
                    w = (xd if cx else 1 - xd) * (yd if cy else 1 - yd) * (vd if cv else 1 - vd)
                    acc += w * grids[o][vi + cv, yi + cy, xi + cx]
        sliced.append(acc)
    res = torch.cat([torch.stack(sliced).unsqueeze(0), img], 1)
    res = torch.clamp(F.conv2d(res, sd["slice.conv_1d.weight"], sd["slice.conv_1d.bias"]), 0, 1)[0]
    # tetrahedral: from corner 000 along the axes in decreasing order of their fractions
    idx, frac = zip(*(cell(res[c], D) for c in range(3)))  # r, g, b
    fr = torch.stack(frac)
    order = torch.argsort(-fr, dim=0)
    fs = torch.gather(fr, 0, order)
    pos = [i.clone() for i in idx]
    at = lambda p: lut[:, p[2], p[1], p[0]]
    out = (1 - fs[0]) * at(pos)
    ws = [fs[0] - fs[1], fs[1] - fs[2], fs[2]]
    for s in range(3):
        for c in range(3):
            pos[c] = pos[c] + (order[s] == c).long()
        out = out + ws[s] * at(pos)
    np.save(sys.argv[3], torch.relu(out).numpy().astype(np.float32))
