"""PyTorch peer of lutlab's bench (lib/bench/peers.ts): one training step of the original models, timed.

Not a dependency of lib/: the bench runs it with /usr/bin/python3 where python3-torch is installed.
Models, as the papers' training scripts write them (random data of the bench's shapes, Adam, the loss):
  srlut    SR-LUT-S (yhjo09/SR-LUT 1_Train_deep_model.py SRNet): 2x2 conv 1->64, four 1x1 64->64, 1x1 64->r^2,
           ReLU between, pixel shuffle, rotation ensemble (4 rotations of the padded input), MSE
  mulut    one MuLUT unit (ddlee-cn/MuLUT MuLUTUnit, mode 2x2, nf 64, dense 1x1 convs, tanh), x4, rotation
           ensemble, outputs rounded straight-through, MSE
  spf      SPF-LUT (leenas233/DFC SPF_LUT_net): four blocks of S/D/Y MuLUT units (2,2,2,1 channels), the channel
           unit on the 4 refined channels, the up-block (4 channels x 3 modes, r^2 outputs), MSE
  3dlut    Image-Adaptive 3DLUT: the 5-conv classifier on the 256^2 bilinear thumbnail, 3 LUTs 33^3 fused by
           its weights, applied with F.grid_sample (trilinear), MSE + 1e-4 TV + 10 monotonicity + 1e-4 weights
  clutnet  CLUT-Net 20+05+10: the same trunk, pool + fc 128 + Hardswish + Dropout(0.2) + fc 20, the
           compressed LUT bank (Ms 33x5, C, Mw 10x33^2), F.grid_sample, L1 + cosine
  gridsample  the LUT op alone: F.grid_sample (3D, trilinear) of a --crop x 1.78·--crop image in a 33^3 LUT,
           forward + backward to the LUT (as 3DLUT's trilinear op), for lib/bench/lut3d.ts
Prints one JSON line {"model", "threads", "ranks", "batch", "ms"}: the median step time over --reps steps
after --warmup, on rank 0. --ranks N runs N processes (gloo, DistributedDataParallel), each on its share
of the batch with --threads threads. --serve: one step per line "step" read on stdin, answered by a JSON
line {"ms"} (rank 0), until end of input: the bench interleaves these with lutlab's steps.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def rot_ensemble(unit, x, pad, r, mode="replicate"):
    """Mean over the 4 rotations of unit(padded rotated x), rotated back (SR-LUT / MuLUT training)."""
    out = 0
    for k in range(4):
        y = unit(F.pad(torch.rot90(x, k, [2, 3]), (0, pad, 0, pad), mode=mode))
        out = out + torch.rot90(y, 4 - k, [2, 3])
    return out / 4


class SRNet(nn.Module):
    def __init__(self, r=4, nf=64):
        super().__init__()
        self.r = r
        self.conv1 = nn.Conv2d(1, nf, 2)
        self.convs = nn.ModuleList([nn.Conv2d(nf, nf, 1) for _ in range(4)])
        self.out = nn.Conv2d(nf, r * r, 1)

    def forward(self, x):
        h = self.conv1(x)
        for c in self.convs:
            h = c(F.relu(h))
        return F.pixel_shuffle(self.out(F.relu(h)), self.r)


class SRLUTEnsemble(nn.Module):
    """SRNet under the training script's rotation ensemble (reflect padding), one forward for DDP."""

    def __init__(self):
        super().__init__()
        self.net = SRNet()

    def forward(self, x):
        return rot_ensemble(self.net, x, 1, 4, "reflect")


def gather(x, offsets):
    """Pixels at the pattern's offsets as channels: x [B,1,H+p,W+p] -> [B,n,H,W]."""
    p = max(max(a, b) for a, b in offsets)
    h, w = x.shape[2] - p, x.shape[3] - p
    return torch.cat([x[:, :, a:a + h, b:b + w] for a, b in offsets], 1)


PATTERNS = {"s": [(0, 0), (0, 1), (1, 0), (1, 1)], "d": [(0, 0), (0, 2), (2, 0), (2, 2)],
            "y": [(0, 0), (1, 1), (1, 2), (2, 1)]}


class MuLUTUnit(nn.Module):
    """Dense MuLUT unit on the pattern's pixels: 1x1 convs on the gathered channels, tanh, pixel shuffle."""

    def __init__(self, mode, nf=64, r=1, out_c=1, inputs=4):
        super().__init__()
        self.mode, self.r = mode, r
        self.conv1 = nn.Conv2d(inputs, nf, 1)
        self.dense = nn.ModuleList([nn.Conv2d(nf * (i + 1), nf, 1) for i in range(4)])
        self.out = nn.Conv2d(nf * 5, out_c * r * r, 1)

    def forward(self, x):
        h = F.relu(self.conv1(gather(x, PATTERNS[self.mode]) if self.mode else x))
        for c in self.dense:
            h = torch.cat([h, F.relu(c(h))], 1)
        y = torch.tanh(self.out(h))
        return F.pixel_shuffle(y, self.r) if self.r > 1 else y


def ste_round(x):
    return x + (torch.round(x) - x).detach()


class MuLUT1(nn.Module):
    def __init__(self, r=4, nf=64):
        super().__init__()
        self.unit = MuLUTUnit("s", nf, r)

    def forward(self, x):
        return rot_ensemble(lambda t: ste_round(self.unit(t) * 127) / 127, x, 1, 4)


class SPF(nn.Module):
    def __init__(self, r=4, nf=64, modes="sdy"):
        super().__init__()
        self.modes, self.r = modes, r
        self.blocks = nn.ModuleList([nn.ModuleList([MuLUTUnit(m, nf, 1, c) for m in modes]) for c in (2, 2, 2, 1)])
        self.channel = MuLUTUnit(None, nf, 1, 4, inputs=4)
        self.up = nn.ModuleList([nn.ModuleList([MuLUTUnit(m, nf, r) for m in modes]) for _ in range(4)])

    def stage(self, units, x):
        out = 0
        for u in units:
            pad = max(max(o) for o in PATTERNS[u.mode])
            out = out + rot_ensemble(lambda t: ste_round(u(t) * 127), x, pad, u.r)
        return out

    def forward(self, x):
        refined, cur = [], x
        for b, units in enumerate(self.blocks):
            y = ste_round(torch.clamp(self.stage(units, cur) / (4 * len(self.modes)) + 127, 0, 255)) / 255
            refined.append(y[:, :1])
            cur = y[:, 1:2]
        feat = ste_round(torch.clamp(ste_round(self.channel(torch.cat(refined, 1)) * 127) + 127, 0, 255)) / 255
        pred = sum(self.stage(units, feat[:, c:c + 1]) for c, units in enumerate(self.up))
        return pred / (4 * len(self.modes)) / 255


def discriminator_block(ci, co, norm):
    layers = [nn.Conv2d(ci, co, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
    return layers + ([nn.InstanceNorm2d(co, affine=True)] if norm else [])


class Trunk(nn.Sequential):
    def __init__(self):
        super().__init__(*discriminator_block(3, 16, True), *discriminator_block(16, 32, True),
                         *discriminator_block(32, 64, True), *discriminator_block(64, 128, True),
                         *discriminator_block(128, 128, False), nn.Dropout(0.5))


def apply_lut(lut, img):
    """Trilinear lookup of img [B,3,H,W] in lut [B,3,D,D,D] (axes b,g,r) with F.grid_sample."""
    grid = (img.permute(0, 2, 3, 1) * 2 - 1).unsqueeze(1)  # [B,1,H,W,3]: x=r, y=g, z=b
    return F.grid_sample(lut, grid, mode="bilinear", padding_mode="border", align_corners=True).squeeze(2)


def identity_lut(d):
    g = torch.linspace(0, 1, d)
    b, gg, r = torch.meshgrid(g, g, g, indexing="ij")
    return torch.stack([r, gg, b])


class LUT3D(nn.Module):
    def __init__(self, n=3, d=33):
        super().__init__()
        self.trunk = Trunk()
        self.head = nn.Conv2d(128, n, 8)
        luts = torch.zeros(n, 3, d, d, d)
        luts[0] = identity_lut(d)
        self.luts = nn.Parameter(luts)

    def forward(self, thumb, img):
        w = self.head(self.trunk(thumb)).flatten(1)
        fused = torch.einsum("bn,ncxyz->bcxyz", w, self.luts)
        return apply_lut(fused, img), w


def tv_mono(luts):
    dr = luts[..., :, :, 1:] - luts[..., :, :, :-1]
    dg = luts[..., :, 1:, :] - luts[..., :, :-1, :]
    db = luts[..., 1:, :, :] - luts[..., :-1, :, :]
    tv = sum(torch.mean(d ** 2) for d in (dr, dg, db))
    mono = sum(torch.mean(F.relu(-d)) for d in (dr, dg, db))
    return tv, mono


class CLUTNet(nn.Module):
    def __init__(self, n=20, d=33, s=5, w=10):
        super().__init__()
        self.n, self.d = n, d
        self.trunk = Trunk()
        self.fc0, self.fc1 = nn.Linear(128, 128), nn.Linear(128, n)
        self.ms = nn.Parameter(torch.rand(d, s) / 5 - 0.1)
        self.mw = nn.Parameter(torch.rand(w, d * d) / 5 - 0.1)
        self.c = nn.Parameter(torch.zeros(s * n * 3, w))

    def forward(self, thumb, img):
        f = self.trunk(thumb).mean((2, 3))
        wts = self.fc1(F.dropout(F.hardswish(self.fc0(f)), 0.2, self.training))
        d, n = self.d, self.n
        cubes = self.ms.mm(self.c.mm(self.mw).reshape(self.ms.shape[1], -1))  # [D, N*3*D^2]
        luts = cubes.reshape(d, n * 3, d * d).permute(1, 0, 2).reshape(n, 3, d, d, d)
        fused = torch.einsum("bn,ncxyz->bcxyz", wts, luts) + identity_lut(d)
        return apply_lut(fused, img), wts


def build(name, batch, crop, nf):
    """Model and the loss of one step on `batch` samples through `net` (the model, or its DDP wrapper)."""
    g = torch.Generator().manual_seed(1)
    if name in ("srlut", "mulut", "spf"):
        model = {"srlut": lambda: SRLUTEnsemble(), "mulut": lambda: MuLUT1(nf=nf), "spf": lambda: SPF(nf=nf)}[name]()
        x = torch.rand(batch, 1, crop, crop, generator=g)
        y = torch.rand(batch, 1, 4 * crop, 4 * crop, generator=g)
        return model, lambda net: F.mse_loss(net(x), y)
    img = torch.rand(batch, 3, 480, 720, generator=g)
    target = torch.rand(batch, 3, 480, 720, generator=g)
    model = LUT3D() if name == "3dlut" else CLUTNet()

    def step(net):
        thumb = F.interpolate(img, size=(256, 256), mode="bilinear", align_corners=False)
        out, w = net(thumb, img)
        if name == "3dlut":
            tv, mono = tv_mono(model.luts)
            return F.mse_loss(out, target) + 1e-4 * tv + 10 * mono + 1e-4 * torch.mean(w ** 2)
        cos = 1 - F.cosine_similarity(out, target, dim=1).mean()
        return F.l1_loss(out, target) + cos
    return model, step


def grid_sample_ms(a):
    """Median ms of F.grid_sample forward + backward (LUT gradient) on a crop x round(1.78 crop) image."""
    g = torch.Generator().manual_seed(1)
    img = torch.rand(1, 3, a.crop, round(a.crop * 854 / 480), generator=g)
    lut = identity_lut(33).unsqueeze(0).requires_grad_(True)
    times = []
    for i in range(a.warmup + a.reps):
        t = time.perf_counter()
        out = apply_lut(lut, img)
        out.backward(torch.ones_like(out))
        lut.grad = None
        if i >= a.warmup:
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def timed_step(net, opt, loss_of):
    """Milliseconds of one optimiser step."""
    t = time.perf_counter()
    opt.zero_grad()
    loss = loss_of(net)
    loss.backward()
    opt.step()
    return (time.perf_counter() - t) * 1000


def serve(rank, a, net, opt, loss_of, lines):
    """One step per "step" line of `lines` (rank 0's; the go/stop flag broadcast to all ranks) until its end."""
    while True:
        go = torch.zeros(1)
        if rank == 0:
            go[0] = float(next(lines, "").strip() == "step")
        if a.ranks > 1:
            torch.distributed.broadcast(go, 0)
        if not go[0]:
            return
        ms = timed_step(net, opt, loss_of)
        if rank == 0:
            print(json.dumps({"ms": ms}), flush=True)


def run(rank, a, store, queue=None):
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    if a.model == "gridsample":
        print(json.dumps({"model": a.model, "threads": a.threads, "ms": grid_sample_ms(a)}), flush=True)
        return
    model, loss_of = build(a.model, a.batch // a.ranks, a.crop, a.nf)
    net = model
    if a.ranks > 1:
        torch.distributed.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=a.ranks)
        net = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    if a.serve:
        serve(rank, a, net, opt, loss_of, iter(queue.get, "") if queue else iter(sys.stdin.readline, ""))
        return
    times = [timed_step(net, opt, loss_of) for _ in range(a.warmup + a.reps)][a.warmup:]
    if rank == 0:
        print(json.dumps({"model": a.model, "threads": a.threads, "ranks": a.ranks, "batch": a.batch,
                          "ms": statistics.median(times), "torch": torch.__version__}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=["srlut", "mulut", "spf", "3dlut", "clutnet", "gridsample"])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--crop", type=int, default=48)
    p.add_argument("--nf", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    if a.batch % a.ranks:
        raise SystemExit(f"--batch {a.batch} is not a multiple of --ranks {a.ranks}")
    if a.ranks == 1:
        run(0, a, None)
        return
    store = os.path.join(tempfile.mkdtemp(prefix="torch_peer"), "store")
    if not a.serve:
        torch.multiprocessing.spawn(run, args=(a, store), nprocs=a.ranks)
        return
    # spawned ranks do not read this process's stdin: its lines go to rank 0 through a queue ("" = end)
    queue = torch.multiprocessing.get_context("spawn").SimpleQueue()
    ranks = torch.multiprocessing.spawn(run, args=(a, store, queue), nprocs=a.ranks, join=False)
    for line in sys.stdin:
        queue.put(line)
    queue.put("")
    ranks.join()


if __name__ == "__main__":
    main()
