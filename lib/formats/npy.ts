/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0), little-endian C-order arrays of the numeric dtypes
 * below. Fortran order, big-endian and object/structured dtypes are refused with a clear error.
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { readBytes } from "../core/read.ts";

/** Numeric dtypes understood by readNpy/writeNpy (int64 data is a BigInt64Array). */
export type NpyDtype =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "float32"
  | "float64"
  | "int64";

/** Typed array backing an NpyArray of the matching dtype. */
export type NpyData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array;

/** An n-d array: `data` in C (row-major) order, `data.length === product(shape)`. */
export type NpyArray = { dtype: NpyDtype; shape: number[]; data: NpyData };

const DESCR: ReadonlyMap<string, NpyDtype> = new Map(Object.entries({
  "|i1": "int8",
  "|u1": "uint8",
  "<i1": "int8",
  "<u1": "uint8",
  "<i2": "int16",
  "<u2": "uint16",
  "<i4": "int32",
  "<u4": "uint32",
  "<f4": "float32",
  "<f8": "float64",
  "<i8": "int64",
}));

const CTORS = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
} as const;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Typed-array constructor for a dtype. */
export function dtypeCtor(dtype: NpyDtype): (typeof CTORS)[NpyDtype] {
  return CTORS[dtype];
}

function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Header fields of a .npy file, parsed from its Python dict literal. */
type Header = { descr: string; fortran: boolean; shape: number[] };

/**
 * Parses the header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`: exactly these
 * three keys, each once; shape entries are non-negative decimal integers.
 */
function parseHeader(text: string, fail: (msg: string) => never): Header {
  let p = 0;
  const ws = () => {
    while (p < text.length && /\s/.test(text[p])) p++;
  };
  const expect = (c: string) => {
    ws();
    if (text[p] !== c) {
      fail(`malformed header: expected "${c}" at offset ${p} of ${JSON.stringify(text.trim())}`);
    }
    p++;
  };
  const str = (): string => {
    ws();
    const q = text[p];
    if (q !== "'" && q !== '"') fail(`malformed header: expected a string at offset ${p}`);
    const end = text.indexOf(q, p + 1);
    if (end < 0) fail("malformed header: unterminated string");
    const v = text.slice(p + 1, end);
    p = end + 1;
    return v;
  };
  const fields = new Map<string, string | boolean | number[]>();
  expect("{");
  for (ws(); text[p] !== "}"; ws()) {
    const key = str();
    if (fields.has(key)) fail(`header has key '${key}' twice`);
    expect(":");
    ws();
    if (key === "descr") fields.set(key, str());
    else if (key === "fortran_order") {
      const m = /^(True|False)/.exec(text.slice(p));
      if (!m) fail(`header field 'fortran_order' must be True or False`);
      fields.set(key, m[1] === "True");
      p += m[1].length;
    } else if (key === "shape") {
      const m = /^\(([^()]*)\)/.exec(text.slice(p));
      if (!m) fail(`header field 'shape' must be a tuple`);
      p += m[0].length;
      const parts = m[1].split(",").map((x) => x.trim());
      if (parts.at(-1) === "") parts.pop();
      fields.set(
        key,
        parts.map((x) => {
          const v = /^\d+L?$/.test(x) ? Number(x.replace(/L$/, "")) : NaN;
          return Number.isSafeInteger(v)
            ? v
            : fail(`header field 'shape': bad entry '${x}' (need a non-negative integer)`);
        }),
      );
    } else fail(`header has unexpected key '${key.slice(0, 40)}'`);
    ws();
    if (text[p] === ",") p++;
    else break;
  }
  expect("}");
  const { descr, fortran_order: fortran, shape } = Object.fromEntries(fields);
  if (typeof descr !== "string" || typeof fortran !== "boolean" || !Array.isArray(shape)) {
    fail(`header lacks 'descr', 'fortran_order' or 'shape': ${JSON.stringify(text.trim())}`);
  }
  return { descr: descr as string, fortran: fortran as boolean, shape: shape as number[] };
}

/** Parses .npy bytes; `name` appears in error messages. The returned data is a copy (aligned). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const fail = (msg: string): never => {
    throw new Error(`${name}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) fail("not a .npy file (bad magic)");
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("truncated header");
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail("truncated header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  const { descr, fortran, shape } = parseHeader(header, fail);
  if (fortran) fail("fortran_order arrays are not supported (save with np.ascontiguousarray)");
  if (descr.startsWith(">") && !descr.endsWith("1")) fail(`big-endian dtype '${descr}' is not supported`);
  const dtype = DESCR.get(descr) ?? fail(`unsupported dtype '${descr.slice(0, 40)}'`);
  const Ctor = CTORS[dtype];
  const count = shapeSize(shape);
  const dataStart = start + headerLen;
  const byteLen = count * Ctor.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart < byteLen) {
    fail(
      `truncated data: shape [${shape}] ${dtype} needs ${byteLen} bytes, file has ${
        bytes.length - dataStart
      }`,
    );
  }
  const copy = bytes.slice(dataStart, dataStart + byteLen);
  return { dtype, shape, data: new Ctor(copy.buffer, 0, count) };
}

/** Reads a .npy file → { dtype, shape, data } (C order, little-endian). */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readBytes(path, "readNpy"), path);
}

/** Serialises an array to .npy v1.0 bytes (v2.0 when the header exceeds 65535 bytes). */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const Ctor = CTORS[arr.dtype];
  if (!Ctor) throw new Error(`encodeNpy: unsupported dtype ${arr.dtype}`);
  if (!(arr.data instanceof Ctor)) {
    throw new Error(`encodeNpy: dtype ${arr.dtype} needs a ${Ctor.name}, got ${arr.data.constructor.name}`);
  }
  if (arr.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`encodeNpy: bad shape [${arr.shape}]`);
  }
  if (shapeSize(arr.shape) !== arr.data.length) {
    throw new Error(
      `encodeNpy: shape [${arr.shape}] has ${shapeSize(arr.shape)} elements, data has ${arr.data.length}`,
    );
  }
  const descr =
    [...DESCR].find(([k, v]) => v === arr.dtype && k[0] === (Ctor.BYTES_PER_ELEMENT === 1 ? "|" : "<"))![0];
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const v2 = header.length + 11 > 65535;
  const pre = v2 ? 12 : 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, " ") + "\n";
  const out = new Uint8Array(total + arr.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v2) dv.setUint32(8, header.length, true);
  else dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), total);
  return out;
}

/** Writes an array to a .npy file atomically. */
export async function writeNpy(path: string, arr: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(arr));
}
