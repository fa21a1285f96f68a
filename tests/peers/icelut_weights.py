"""Independent peer of ICELUT's weight prediction: the original inference_demo.py steps in PyTorch
(FeatLUT.forward and ICELUT.fuse_basis_to_one up to the weights) on uint8 RGB images given as .npy [H,W,3].
Usage: python3 icelut_weights.py <icelut dir> <img.npy>... ; prints one JSON list of weights per image."""
import json, sys
import numpy as np
import torch
import torch.nn.functional as F

d = sys.argv[1]
msb_t = torch.from_numpy(np.load(f"{d}/Model_msb_fp32.npy"))
lsb_t = torch.from_numpy(np.load(f"{d}/Model_lsb_fp32.npy"))
cls = torch.from_numpy(np.load(f"{d}/classifier_int8.npy"))
lut_cat = torch.cat([c.unsqueeze(0) for c in torch.split(cls, 64 ** 2, dim=0)], 0)
w = torch.tensor([16 * 16 * 16, 16 * 16, 16], dtype=torch.float32).view(1, 3, 1, 1)
out = []
for p in sys.argv[2:]:
    img = np.load(p)
    hi = torch.from_numpy((img // 16) / 16).permute(2, 0, 1).float().unsqueeze(0)
    lo = torch.from_numpy((img % 16) / 16).permute(2, 0, 1).float().unsqueeze(0)
    # TF.resize on a tensor (torchvision 0.9): bilinear, align_corners=False, no antialias
    hi = torch.round(F.interpolate(hi, size=(32, 32), mode="bilinear", align_corners=False) * 16) / 16
    lo = torch.round(F.interpolate(lo, size=(32, 32), mode="bilinear", align_corners=False) * 16) / 16
    im = torch.sum(hi * w, dim=1).view(1, -1).long()
    il = torch.sum(lo * w, dim=1).view(1, -1).long()
    f = (msb_t[im, :, :, :].view(1, 32, 32, -1).permute(0, 3, 1, 2).float()
         + lsb_t[il, :, :, :].view(1, 32, 32, -1).permute(0, 3, 1, 2).float())
    f = torch.clamp(torch.round(F.adaptive_avg_pool2d(f, 1) * 2) / 2, -16, 15.5)
    m = ((f * 2).long() + 32).reshape(5, 2)
    o = (lut_cat[torch.arange(5), m[:, 0] * 64 + m[:, 1]] - 32) / 4.0
    out.append(torch.sum(o, 0).tolist())
print(json.dumps(out))
