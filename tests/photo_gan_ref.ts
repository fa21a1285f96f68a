/**
 * Plain float64 reference of the unpaired 3DLUT's discriminator (lib/enhance/models/discriminator.ts) for
 * the finite-difference checks of tests/photo_gan.test.ts: score of one image and its gradient w.r.t. the
 * image, as loops. Parameters by our names, conv weights HWIO [k,k,ci,co]; images planar [3,T,T].
 */

/** Parameters as float64 arrays with their shapes. */
export type RefParams = Map<string, { shape: number[]; data: Float64Array }>;

type Map3 = { h: number; w: number; c: number; d: Float64Array };
const SLOPE = 0.2, EPS = 1e-5, P = "discriminator.";

function conv(
  x: Map3,
  w: { shape: number[]; data: Float64Array },
  b: Float64Array | null,
  s: number,
  pad: number,
): Map3 {
  const [k, , ci, co] = w.shape;
  const h = Math.floor((x.h + 2 * pad - k) / s) + 1, wo = Math.floor((x.w + 2 * pad - k) / s) + 1;
  const out = new Float64Array(h * wo * co);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < wo; xx++) {
      for (let o = 0; o < co; o++) {
        let acc = b ? b[o] : 0;
        for (let i = 0; i < k; i++) {
          const iy = y * s + i - pad;
          if (iy < 0 || iy >= x.h) continue;
          for (let j = 0; j < k; j++) {
            const ix = xx * s + j - pad;
            if (ix < 0 || ix >= x.w) continue;
            for (let c = 0; c < ci; c++) {
              acc += x.d[(iy * x.w + ix) * ci + c] * w.data[((i * k + j) * ci + c) * co + o];
            }
          }
        }
        out[(y * wo + xx) * co + o] = acc;
      }
    }
  }
  return { h, w: wo, c: co, d: out };
}

/** Input gradient of `conv` for output gradient `dy` (input size h x w). */
function convT(
  dy: Map3,
  w: { shape: number[]; data: Float64Array },
  s: number,
  pad: number,
  h: number,
  wi: number,
): Map3 {
  const [k, , ci, co] = w.shape, out = new Float64Array(h * wi * ci);
  for (let y = 0; y < dy.h; y++) {
    for (let xx = 0; xx < dy.w; xx++) {
      for (let i = 0; i < k; i++) {
        const iy = y * s + i - pad;
        if (iy < 0 || iy >= h) continue;
        for (let j = 0; j < k; j++) {
          const ix = xx * s + j - pad;
          if (ix < 0 || ix >= wi) continue;
          for (let c = 0; c < ci; c++) {
            let acc = 0;
            for (let o = 0; o < co; o++) {
              acc += dy.d[(y * dy.w + xx) * co + o] * w.data[((i * k + j) * ci + c) * co + o];
            }
            out[(iy * wi + ix) * ci + c] += acc;
          }
        }
      }
    }
  }
  return { h, w: wi, c: ci, d: out };
}

/** Score D(img) and grad_img D of one planar [3,T,T] image. */
export function refDiscriminator(
  p: RefParams,
  img: Float64Array,
  t: number,
): { score: number; grad: Float64Array } {
  const get = (n: string) => p.get(P + n)!;
  let a: Map3 = { h: t, w: t, c: 3, d: new Float64Array(3 * t * t) };
  for (let c = 0; c < 3; c++) for (let i = 0; i < t * t; i++) a.d[i * 3 + c] = img[c * t * t + i];
  const saved: { inp: Map3; z: Map3; xhat?: Float64Array; rstd?: Float64Array }[] = [];
  for (let l = 0; l < 5; l++) {
    const z = conv(a, get(`conv${l}.weight`), get(`conv${l}.bias`).data, 2, 1);
    const y: Map3 = { ...z, d: z.d.map((v) => (v > 0 ? v : SLOPE * v)) };
    const rec: (typeof saved)[number] = { inp: a, z };
    if (l === 0) {
      const n = y.h * y.w, g = get("norm0.weight").data, be = get("norm0.bias").data;
      const xhat = new Float64Array(y.d.length), rstd = new Float64Array(y.c);
      for (let c = 0; c < y.c; c++) {
        let m = 0, v = 0;
        for (let i = 0; i < n; i++) m += y.d[i * y.c + c];
        m /= n;
        for (let i = 0; i < n; i++) v += (y.d[i * y.c + c] - m) ** 2;
        rstd[c] = 1 / Math.sqrt(v / n + EPS);
        for (let i = 0; i < n; i++) {
          xhat[i * y.c + c] = (y.d[i * y.c + c] - m) * rstd[c];
          y.d[i * y.c + c] = xhat[i * y.c + c] * g[c] + be[c];
        }
      }
      rec.xhat = xhat, rec.rstd = rstd;
    }
    saved.push(rec);
    a = y;
  }
  const head = get("head.weight"), out = conv(a, head, get("head.bias").data, 1, 0);
  let d = convT({ h: 1, w: 1, c: 1, d: new Float64Array([1]) }, head, 1, 0, a.h, a.w);
  for (let l = 4; l >= 0; l--) {
    const { inp, z, xhat, rstd } = saved[l];
    if (xhat && rstd) {
      const n = z.h * z.w, g = get("norm0.weight").data, dd = new Float64Array(d.d.length);
      for (let c = 0; c < z.c; c++) {
        let m1 = 0, m2 = 0;
        for (let i = 0; i < n; i++) (m1 += d.d[i * z.c + c]), (m2 += d.d[i * z.c + c] * xhat[i * z.c + c]);
        (m1 /= n), (m2 /= n);
        for (let i = 0; i < n; i++) {
          const k = i * z.c + c;
          dd[k] = g[c] * rstd[c] * (d.d[k] - m1 - xhat[k] * m2);
        }
      }
      d = { ...d, d: dd };
    }
    const dz: Map3 = { ...d, d: d.d.map((v, i) => (z.d[i] > 0 ? v : SLOPE * v)) };
    d = convT(dz, get(`conv${l}.weight`), 2, 1, inp.h, inp.w);
  }
  const grad = new Float64Array(3 * t * t);
  for (let c = 0; c < 3; c++) for (let i = 0; i < t * t; i++) grad[c * t * t + i] = d.d[i * 3 + c];
  return { score: out.d[0], grad };
}

/** The gradient penalty mean_i (||grad D(x_i)|| - 1)^2 of planar images `imgs` [B][3,T,T]. */
export function refPenalty(p: RefParams, imgs: Float64Array[], t: number): number {
  let s = 0;
  for (const img of imgs) {
    const { grad } = refDiscriminator(p, img, t);
    s += (Math.sqrt(grad.reduce((a, v) => a + v * v, 0)) - 1) ** 2;
  }
  return s / imgs.length;
}
