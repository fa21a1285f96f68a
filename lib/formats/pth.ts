/**
 * PyTorch checkpoint (.pth/.pt) reader in pure TypeScript: the zip format (torch >= 1.6:
 * `<prefix>/data.pkl` + `<prefix>/data/<key>`) and the legacy format (magic, protocol, sys_info pickles,
 * the object pickle with persistent storage ids, the storage key list, then raw storages each prefixed
 * by an int64 element count). A subset of the pickle VM (protocols 0..5 as torch emits them) rebuilds
 * the object; tensors are materialised to C order.
 *
 * Flattening rule (readPthFull): dicts/OrderedDicts recurse with "." joined keys; lists/tuples that hold
 * tensors or dicts recurse with their index as key; pickled nn.Module objects flatten like state_dict()
 * (`_parameters`, persistent `_buffers`, then `_modules`); other pickled objects flatten their __dict__.
 * Leaves that are numbers, bigints, strings, booleans, null or lists of those go to `other`; anything
 * else (classes, functions, devices) is skipped.
 *
 * Hostile files: every length, size, stride and offset is checked against the bytes present before
 * anything is allocated; nesting is limited to MAX_DEPTH, integers to MAX_INT_BYTES bytes, and a tensor
 * view may hold more elements than its storage (stride 0) only up to MAX_EXPANDED elements, so memory
 * stays proportional to the file size. Every error names the file and the offending field.
 */
import { unzipStored } from "./zip.ts";
import { readBytes, withName } from "../core/read.ts";

/** Element types of tensors read from a checkpoint (float16/bfloat16 are widened to float32). */
export type TensorDtype = "float32" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** A dense tensor in C (row-major) order; int64 data is a BigInt64Array, bool data a Uint8Array of 0/1. */
export type Tensor = {
  dtype: TensorDtype;
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
};

/** Everything readPthFull finds: tensors, non-tensor leaves, and storage bookkeeping. */
export type PthContents = {
  tensors: Map<string, Tensor>;
  other: Map<string, unknown>;
  format: "zip" | "legacy";
  /** Storage keys present in the file that no tensor used (should be empty for a plain state dict). */
  unreferencedStorages: string[];
};

type StorageKind = { dtype: TensorDtype; bytes: number; widen?: "half" | "bfloat16" };

/** Deepest nesting of containers/objects that flattening follows. */
const MAX_DEPTH = 100;
/** Longest pickled integer (LONG/LONG1/LONG4 bytes, or text digits). */
const MAX_INT_BYTES = 256;
/** Largest element count of a tensor view that is bigger than its storage (a stride-0 expansion). */
const MAX_EXPANDED = 2 ** 22;

const STORAGES: Record<string, StorageKind> = {
  FloatStorage: { dtype: "float32", bytes: 4 },
  DoubleStorage: { dtype: "float64", bytes: 8 },
  HalfStorage: { dtype: "float32", bytes: 2, widen: "half" },
  BFloat16Storage: { dtype: "float32", bytes: 2, widen: "bfloat16" },
  LongStorage: { dtype: "int64", bytes: 8 },
  IntStorage: { dtype: "int32", bytes: 4 },
  ShortStorage: { dtype: "int16", bytes: 2 },
  CharStorage: { dtype: "int8", bytes: 1 },
  ByteStorage: { dtype: "uint8", bytes: 1 },
  BoolStorage: { dtype: "bool", bytes: 1 },
};

/** A Python global (module + name) as named by GLOBAL/STACK_GLOBAL. */
class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a class we do not model: its class, constructor args and BUILD state. */
class PyObject {
  state: unknown = undefined;
  constructor(readonly cls: PyGlobal, readonly args: unknown[]) {}
}

/** A storage as referenced by a persistent id; `bytes` is filled in once the raw data is located. */
class StorageRef {
  bytes: Uint8Array | undefined;
  constructor(readonly key: string, readonly kind: StorageKind, readonly numel: number) {}
}

/** A tensor view before materialisation (legacy storages are only read after the object pickle). */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** Minimal pickle VM; `persistentLoad` resolves BINPERSID/PERSID ids. */
class Unpickler {
  private pos = 0;
  private readonly dv: DataView;
  constructor(
    private readonly b: Uint8Array,
    private readonly name: string,
    private readonly persistentLoad: (pid: unknown) => unknown,
    start = 0,
  ) {
    this.pos = start;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Offset just after the last STOP. */
  get offset(): number {
    return this.pos;
  }

  private fail(msg: string): never {
    throw new Error(`${this.name}: pickle error at byte ${this.pos}: ${msg}`);
  }

  private need(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) this.fail(`negative or invalid length ${n}`);
    if (this.pos + n > this.b.length) this.fail(`truncated (needs ${n} more bytes)`);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  private u8(): number {
    return this.b[this.need(1)];
  }

  private u16(): number {
    return this.dv.getUint16(this.need(2), true);
  }

  private u32(): number {
    return this.dv.getUint32(this.need(4), true);
  }

  private u64(): number {
    const v = this.dv.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${v} too large`);
    return Number(v);
  }

  private bytes(n: number): Uint8Array {
    const p = this.need(n);
    return this.b.subarray(p, p + n);
  }

  private line(): string {
    const end = this.b.indexOf(0x0a, this.pos);
    if (end < 0) this.fail("unterminated text line");
    const s = new TextDecoder("latin1").decode(this.b.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** A text integer (INT/LONG/PUT/GET argument), refused when malformed or longer than MAX_INT_BYTES. */
  private intLine(what: string): number | bigint {
    const s = this.line().replace(/L$/, "");
    if (s.length > MAX_INT_BYTES || !/^[+-]?\d+$/.test(s)) {
      this.fail(`${what}: bad integer "${s.slice(0, 40)}"`);
    }
    return Unpickler.bigOrNumber(BigInt(s));
  }

  /** A memo key from a text PUT/GET line. */
  private memoKey(): number {
    const k = this.intLine("memo key");
    if (typeof k !== "number" || k < 0) this.fail(`bad memo key ${k}`);
    return k;
  }

  /** Little-endian two's-complement integer of `n` bytes (LONG1/LONG4), at most MAX_INT_BYTES. */
  private long(n: number): number | bigint {
    if (n > MAX_INT_BYTES) this.fail(`integer of ${n} bytes is too large (max ${MAX_INT_BYTES})`);
    return Unpickler.longFrom(this.bytes(n));
  }

  private static longFrom(bytes: Uint8Array): number | bigint {
    if (bytes.length === 0) return 0;
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** Runs until STOP and returns the unpickled object. */
  load(): unknown {
    const stack: unknown[] = [];
    const marks: number[] = [];
    const memo = new Map<number, unknown>();
    const pop = (): unknown => {
      if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) {
        this.fail("stack underflow");
      }
      return stack.pop();
    };
    const popMark = (): unknown[] => {
      const m = marks.pop();
      if (m === undefined) this.fail("MARK expected");
      return stack.splice(m);
    };
    const top = (): unknown => {
      if (stack.length === 0) this.fail("empty stack");
      return stack[stack.length - 1];
    };
    const utf8 = new TextDecoder("utf-8");
    const latin1 = new TextDecoder("latin1");
    for (;;) {
      const opPos = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: // PROTO
          this.u8();
          break;
        case 0x95: // FRAME
          this.u64();
          break;
        case 0x2e: // STOP
          if (stack.length !== 1) this.fail(`STOP with ${stack.length} items on the stack`);
          return stack[0];
        case 0x28: // MARK
          marks.push(stack.length);
          break;
        case 0x7d: // EMPTY_DICT
          stack.push(new Map());
          break;
        case 0x5d: // EMPTY_LIST
          stack.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push([]);
          break;
        case 0x8f: // EMPTY_SET
          stack.push(new Set());
          break;
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x88: // NEWTRUE
          stack.push(true);
          break;
        case 0x89: // NEWFALSE
          stack.push(false);
          break;
        case 0x4a: // BININT
          stack.push(this.dv.getInt32(this.need(4), true));
          break;
        case 0x4b: // BININT1
          stack.push(this.u8());
          break;
        case 0x4d: // BININT2
          stack.push(this.u16());
          break;
        case 0x49: { // INT (text; "00"/"01" are False/True)
          const start = this.pos;
          const s = this.line();
          if (s === "00" || s === "01") stack.push(s === "01");
          else {
            this.pos = start;
            stack.push(this.intLine("INT"));
          }
          break;
        }
        case 0x4c: // LONG (text)
          stack.push(this.intLine("LONG"));
          break;
        case 0x8a: // LONG1
          stack.push(this.long(this.u8()));
          break;
        case 0x8b: // LONG4
          stack.push(this.long(this.u32()));
          break;
        case 0x47: // BINFLOAT (big-endian double)
          stack.push(this.dv.getFloat64(this.need(8), false));
          break;
        case 0x46: { // FLOAT (text: a decimal number, inf or nan as Python's repr writes them)
          const s = this.line();
          const special = /^([+-]?)(inf|nan)$/.exec(s);
          if (special) stack.push(special[2] === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity);
          else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) stack.push(Number(s));
          else this.fail(`FLOAT: bad number "${s.slice(0, 40)}"`);
          break;
        }
        case 0x58: // BINUNICODE
          stack.push(utf8.decode(this.bytes(this.u32())));
          break;
        case 0x8c: // SHORT_BINUNICODE
          stack.push(utf8.decode(this.bytes(this.u8())));
          break;
        case 0x8d: // BINUNICODE8
          stack.push(utf8.decode(this.bytes(this.u64())));
          break;
        case 0x54: // BINSTRING
          stack.push(latin1.decode(this.bytes(this.dv.getInt32(this.need(4), true))));
          break;
        case 0x55: // SHORT_BINSTRING
          stack.push(latin1.decode(this.bytes(this.u8())));
          break;
        case 0x42: // BINBYTES
          stack.push(this.bytes(this.u32()).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          stack.push(this.bytes(this.u8()).slice());
          break;
        case 0x8e: // BINBYTES8
          stack.push(this.bytes(this.u64()).slice());
          break;
        case 0x71: // BINPUT
          memo.set(this.u8(), top());
          break;
        case 0x72: // LONG_BINPUT
          memo.set(this.u32(), top());
          break;
        case 0x70: // PUT (text)
          memo.set(this.memoKey(), top());
          break;
        case 0x94: // MEMOIZE
          memo.set(memo.size, top());
          break;
        case 0x68: // BINGET
        case 0x6a: // LONG_BINGET
        case 0x67: { // GET (text)
          const k = op === 0x68 ? this.u8() : op === 0x6a ? this.u32() : this.memoKey();
          if (!memo.has(k)) this.fail(`memo key ${k} not found`);
          stack.push(memo.get(k));
          break;
        }
        case 0x63: { // GLOBAL
          const module = this.line();
          stack.push(new PyGlobal(module, this.line()));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = pop(), module = pop();
          if (typeof name !== "string" || typeof module !== "string") {
            this.fail("STACK_GLOBAL needs two strings");
          }
          stack.push(new PyGlobal(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = pop(), fn = pop();
          stack.push(this.call(fn, args));
          break;
        }
        case 0x81: { // NEWOBJ
          const args = pop(), cls = pop();
          stack.push(this.call(cls, args));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          pop();
          const args = pop(), cls = pop();
          stack.push(this.call(cls, args));
          break;
        }
        case 0x62: { // BUILD
          const state = pop();
          const obj = top();
          if (obj instanceof PyObject) obj.state = state;
          // BUILD on dicts (OrderedDict._metadata) and tensors (backward hooks) carries nothing we need.
          break;
        }
        case 0x73: { // SETITEM
          const v = pop(), k = pop();
          this.setItem(top(), k, v);
          break;
        }
        case 0x75: { // SETITEMS
          const items = popMark();
          const d = top();
          for (let i = 0; i + 1 < items.length; i += 2) this.setItem(d, items[i], items[i + 1]);
          break;
        }
        case 0x61: { // APPEND
          const v = pop();
          const l = top();
          if (!Array.isArray(l)) this.fail("APPEND to a non-list");
          l.push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = popMark();
          const l = top();
          if (!Array.isArray(l)) this.fail("APPENDS to a non-list");
          for (const it of items) l.push(it);
          break;
        }
        case 0x90: { // ADDITEMS
          const items = popMark();
          const s = top();
          if (!(s instanceof Set)) this.fail("ADDITEMS to a non-set");
          for (const it of items) s.add(it);
          break;
        }
        case 0x91: // FROZENSET
          stack.push(new Set(popMark()));
          break;
        case 0x74: // TUPLE
          stack.push(popMark());
          break;
        case 0x85: // TUPLE1
          stack.push([pop()]);
          break;
        case 0x86: { // TUPLE2
          const b = pop(), a = pop();
          stack.push([a, b]);
          break;
        }
        case 0x87: { // TUPLE3
          const c = pop(), b = pop(), a = pop();
          stack.push([a, b, c]);
          break;
        }
        case 0x6c: // LIST
          stack.push(popMark());
          break;
        case 0x64: { // DICT
          const items = popMark();
          const d = new Map();
          for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
          stack.push(d);
          break;
        }
        case 0x51: // BINPERSID
          stack.push(this.persistentLoad(pop()));
          break;
        case 0x50: // PERSID (text)
          stack.push(this.persistentLoad(this.line()));
          break;
        case 0x30: // POP
          if (marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
          else pop();
          break;
        case 0x31: // POP_MARK
          popMark();
          break;
        case 0x32: // DUP
          stack.push(top());
          break;
        default:
          this.pos = opPos;
          this.fail(`unsupported opcode 0x${op.toString(16).padStart(2, "0")}`);
      }
    }
  }

  private static bigOrNumber(v: bigint): number | bigint {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private setItem(d: unknown, k: unknown, v: unknown): void {
    if (d instanceof Map) d.set(k, v);
    else if (d instanceof PyObject) {
      // dict subclasses pickled by NEWOBJ + SETITEMS: keep the items as the object's state.
      if (!(d.state instanceof Map)) d.state = new Map();
      (d.state as Map<unknown, unknown>).set(k, v);
    } else this.fail("SETITEM on a non-dict");
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof PyGlobal)) this.fail("REDUCE/NEWOBJ on a non-class");
    if (!Array.isArray(args)) this.fail(`${fn.qualified}: arguments are not a tuple`);
    switch (fn.qualified) {
      case "collections.OrderedDict":
      case "builtins.dict":
      case "__builtin__.dict": {
        const m = new Map();
        if (Array.isArray(args[0])) { for (const kv of args[0] as unknown[][]) m.set(kv[0], kv[1]); }
        return m;
      }
      case "builtins.set":
      case "__builtin__.set":
        return new Set(Array.isArray(args[0]) ? args[0] : []);
      case "torch._utils._rebuild_tensor":
      case "torch._utils._rebuild_tensor_v2": {
        const [storage, offset, size, stride] = args;
        if (!(storage instanceof StorageRef)) this.fail(`${fn.qualified}: first argument is not a storage`);
        const what = `${fn.qualified} of storage ${storage.key}`;
        if (!isIndex(offset)) {
          this.fail(`${what}: storage offset ${show(offset)} is not a non-negative integer`);
        }
        for (const [field, v] of [["size", size], ["stride", stride]] as const) {
          if (!Array.isArray(v) || !v.every(isIndex)) {
            this.fail(`${what}: ${field} ${show(v)} is not a list of non-negative integers`);
          }
        }
        if (size.length !== stride.length) {
          this.fail(`${what}: size ${show(size)} and stride ${show(stride)} differ in rank`);
        }
        return new TensorRef(storage, offset, size, stride);
      }
      case "torch._utils._rebuild_parameter":
      case "torch._utils._rebuild_parameter_with_state":
        return args[0];
      case "torch.device":
        return `device(${args.join(":")})`;
      case "torch.storage._load_from_bytes": {
        // a tensor pickled with plain pickle (e.g. inside an object .npy): its storage is a torch.save blob
        if (!(args[0] instanceof Uint8Array)) this.fail(`${fn.qualified}: argument is not bytes`);
        const storage = loadLegacy(args[0], `${this.name}: storage blob`).root;
        if (!(storage instanceof StorageRef)) this.fail(`${fn.qualified}: the blob holds no storage`);
        return storage;
      }
      default:
        return new PyObject(fn, args);
    }
  }
}

/** A safe non-negative integer (a size, stride, offset or element count). */
function isIndex(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** Short printable form of a pickled value for error messages. */
function show(v: unknown): string {
  const s = Array.isArray(v)
    ? `[${v.map((x) => typeof x === "string" ? JSON.stringify(x) : String(x))}]`
    : String(v);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

function storageKind(type: unknown, name: string): StorageKind {
  const n = type instanceof PyGlobal ? type.name : String(type);
  const kind = Object.hasOwn(STORAGES, n) ? STORAGES[n] : undefined;
  if (!kind) {
    throw new Error(`${name}: unsupported storage type ${type instanceof PyGlobal ? type.qualified : n}`);
  }
  return kind;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Copies a strided view of a storage into a fresh C-order typed array. */
function materialize(t: TensorRef, name: string, key: string): Tensor {
  const { storage, offset, shape, stride } = t;
  const kind = storage.kind;
  if (!storage.bytes) throw new Error(`${name}: tensor ${key}: storage ${storage.key} has no data`);
  if (shape.length !== stride.length) throw new Error(`${name}: tensor ${key}: size/stride rank mismatch`);
  const view = `tensor ${key} [${shape}] (offset ${offset}, stride [${stride}])`;
  const numel = shape.reduce((a, b) => a * b, 1);
  let maxIndex = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) maxIndex += (shape[d] - 1) * stride[d];
  const available = Math.floor(storage.bytes.length / kind.bytes);
  if (numel > 0 && !(maxIndex < available)) {
    throw new Error(`${name}: ${view} overruns storage ${storage.key} of ${available} elements`);
  }
  if (numel > available && numel > MAX_EXPANDED) {
    throw new Error(
      `${name}: ${view} has ${numel} elements, more than its storage ${storage.key} (${available}) and ` +
        `the ${MAX_EXPANDED} allowed for an expanded view`,
    );
  }
  const src = storage.bytes;
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = kind.dtype === "float32"
    ? new Float32Array(numel)
    : kind.dtype === "float64"
    ? new Float64Array(numel)
    : kind.dtype === "int64"
    ? new BigInt64Array(numel)
    : kind.dtype === "int32"
    ? new Int32Array(numel)
    : kind.dtype === "int16"
    ? new Int16Array(numel)
    : kind.dtype === "int8"
    ? new Int8Array(numel)
    : new Uint8Array(numel);
  const read = (e: number): number | bigint => {
    const p = e * kind.bytes;
    if (kind.widen === "half") return halfToFloat(dv.getUint16(p, true));
    if (kind.widen === "bfloat16") {
      return new Float32Array(new Uint32Array([dv.getUint16(p, true) << 16]).buffer)[0];
    }
    switch (kind.dtype) {
      case "float32":
        return dv.getFloat32(p, true);
      case "float64":
        return dv.getFloat64(p, true);
      case "int64":
        return dv.getBigInt64(p, true);
      case "int32":
        return dv.getInt32(p, true);
      case "int16":
        return dv.getInt16(p, true);
      case "int8":
        return dv.getInt8(p);
      default:
        return src[p];
    }
  };
  // Contiguous fast path: a straight byte copy for types stored as-is.
  let contiguous = true;
  for (let d = shape.length - 1, expect = 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expect) contiguous = false;
    expect *= shape[d];
  }
  if (contiguous && !kind.widen) {
    const bytes = src.slice(offset * kind.bytes, (offset + numel) * kind.bytes);
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const idx = new Array(shape.length).fill(0);
    let e = offset;
    for (let i = 0; i < numel; i++) {
      (out as { [k: number]: number | bigint })[i] = read(e);
      for (let d = shape.length - 1; d >= 0; d--) {
        idx[d]++;
        e += stride[d];
        if (idx[d] < shape[d]) break;
        e -= shape[d] * stride[d];
        idx[d] = 0;
      }
    }
  }
  return { dtype: kind.dtype, shape: [...shape], data: out };
}

function isPrimitive(v: unknown): boolean {
  return v === null || ["number", "bigint", "string", "boolean"].includes(typeof v);
}

/** Flattening state: results, the file name, and how many more values may be visited. */
type Flat = { tensors: Map<string, TensorRef>; other: Map<string, unknown>; name: string; visits: number };

/** Flattens `v` under `prefix` (module doc); `path` holds the containers above it (cycles are refused). */
function flatten(v: unknown, prefix: string, out: Flat, path: unknown[] = []): void {
  const at = () => prefix === "" ? "the root object" : `key "${prefix.slice(0, 200)}"`;
  // Shared (memoised) containers are visited once per reference: bound the total work.
  if (--out.visits < 0) {
    throw new Error(`${out.name}: too many values to flatten (shared containers) at ${at()}`);
  }
  if (v instanceof Map || Array.isArray(v) || v instanceof PyObject) {
    if (path.includes(v)) throw new Error(`${out.name}: self-referencing container at ${at()}`);
    if (path.length >= MAX_DEPTH) throw new Error(`${out.name}: nesting deeper than ${MAX_DEPTH} at ${at()}`);
    path.push(v);
    flattenContainer(v, prefix, out, path);
    path.pop();
  } else if (v instanceof TensorRef) out.tensors.set(prefix, v);
  else if (isPrimitive(v)) out.other.set(prefix, v);
}

function flattenContainer(
  v: Map<unknown, unknown> | unknown[] | PyObject,
  prefix: string,
  out: Flat,
  path: unknown[],
): void {
  const item = (x: unknown, k: unknown) =>
    flatten(x, prefix ? `${prefix}.${String(k)}` : String(k), out, path);
  if (v instanceof Map) { for (const [k, x] of v) item(x, k); }
  else if (Array.isArray(v)) {
    if (v.every(isPrimitive)) out.other.set(prefix, v);
    else v.forEach(item);
  } else {
    // a numpy object array (_reconstruct + BUILD state (version, shape, dtype, fortran, items)): its items
    if (v.cls.qualified === "numpy.core.multiarray._reconstruct" && Array.isArray(v.state)) {
      return flatten(v.state[4], prefix, out, path);
    }
    const st = v.state instanceof Map ? v.state : undefined;
    const params = st?.get("_parameters"), modules = st?.get("_modules"), buffers = st?.get("_buffers");
    if (params instanceof Map && modules instanceof Map) {
      const skip = st!.get("_non_persistent_buffers_set");
      for (const [k, x] of params) if (x !== null) item(x, k);
      for (const [k, x] of buffers instanceof Map ? buffers : []) {
        if (x !== null && !(skip instanceof Set && skip.has(k))) item(x, k);
      }
      for (const [k, x] of modules) if (x !== null) item(x, k);
    } else if (st) flatten(st, prefix, out, path);
  }
}

function finish(
  root: unknown,
  name: string,
  format: "zip" | "legacy",
  allKeys: string[],
  fileBytes: number,
): PthContents {
  const refs: Flat = { tensors: new Map(), other: new Map(), name, visits: Math.max(1e5, 4 * fileBytes) };
  flatten(root, "", refs);
  const tensors = new Map<string, Tensor>();
  const used = new Set<string>();
  for (const [k, t] of refs.tensors) {
    tensors.set(k, materialize(t, name, k));
    used.add(t.storage.key);
  }
  return { tensors, other: refs.other, format, unreferencedStorages: allKeys.filter((k) => !used.has(k)) };
}

function readZipCheckpoint(bytes: Uint8Array, name: string): PthContents {
  const entries = unzipStored(bytes, name);
  const pkl = [...entries.keys()].find((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (!pkl) throw new Error(`${name}: zip checkpoint without <dir>/data.pkl`);
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = entries.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(order()) !== "little") {
    throw new Error(`${name}: big-endian checkpoint is not supported`);
  }
  const storages = new Map<string, StorageRef>();
  const load = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid[0] !== "storage") throw new Error(`${name}: unknown persistent id ${pid}`);
    const [, type, key, , numel] = pid;
    const k = String(key);
    let s = storages.get(k);
    if (!s) {
      const entry = entries.get(`${prefix}data/${k}`);
      if (!entry) throw new Error(`${name}: storage ${prefix}data/${k} missing from the archive`);
      if (!isIndex(numel)) throw new Error(`${name}: storage ${k}: bad element count ${show(numel)}`);
      s = new StorageRef(k, storageKind(type, name), numel);
      s.bytes = entry();
      const need = s.numel * s.kind.bytes;
      if (s.bytes.length < need) {
        throw new Error(`${name}: storage ${k} has ${s.bytes.length} bytes, expected ${need}`);
      }
      storages.set(k, s);
    }
    return s;
  };
  const root = new Unpickler(entries.get(pkl)!(), `${name}:${pkl}`, load).load();
  const allKeys = [...entries.keys()].filter((k) => k.startsWith(`${prefix}data/`)).map((k) =>
    k.slice(prefix.length + 5)
  );
  return finish(root, name, "zip", allKeys, bytes.length);
}

function readLegacyCheckpoint(bytes: Uint8Array, name: string): PthContents {
  const { root, keys } = loadLegacy(bytes, name);
  return finish(root, name, "legacy", keys, bytes.length);
}

/** The object of a legacy torch.save blob, its storages' data located; keys: the storage keys in the file. */
function loadLegacy(bytes: Uint8Array, name: string): { root: unknown; keys: string[] } {
  const storages = new Map<string, StorageRef>();
  const load = (pid: unknown): unknown => {
    if (!Array.isArray(pid)) throw new Error(`${name}: unknown persistent id ${pid}`);
    if (pid[0] === "module") return pid[1];
    if (pid[0] !== "storage") throw new Error(`${name}: unknown persistent id type ${pid[0]}`);
    const [, type, rootKey, , numel, view] = pid;
    if (view !== null && view !== undefined) throw new Error(`${name}: storage views are not supported`);
    const k = String(rootKey);
    if (!isIndex(numel)) throw new Error(`${name}: storage ${k}: bad element count ${show(numel)}`);
    let s = storages.get(k);
    if (!s) storages.set(k, s = new StorageRef(k, storageKind(type, name), numel));
    return s;
  };
  const noPid = () => {
    throw new Error(`${name}: unexpected persistent id in header`);
  };
  let up = new Unpickler(bytes, name, noPid);
  const magic = up.load();
  if (magic !== 0x1950a86a20f9469cfc6cn) {
    throw new Error(`${name}: not a PyTorch checkpoint (bad magic number)`);
  }
  up = new Unpickler(bytes, name, noPid, up.offset);
  const protocol = up.load();
  if (protocol !== 1001) throw new Error(`${name}: unsupported legacy protocol version ${protocol}`);
  up = new Unpickler(bytes, name, noPid, up.offset);
  const sysInfo = up.load();
  if (sysInfo instanceof Map && sysInfo.get("little_endian") === false) {
    throw new Error(`${name}: big-endian checkpoint is not supported`);
  }
  up = new Unpickler(bytes, name, load, up.offset);
  const root = up.load();
  up = new Unpickler(bytes, name, noPid, up.offset);
  const keys = up.load();
  if (!Array.isArray(keys)) throw new Error(`${name}: storage key list missing`);
  let pos = up.offset;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys) {
    const s = storages.get(String(key));
    if (!s) throw new Error(`${name}: storage ${key} listed but never referenced by the pickle`);
    if (pos + 8 > bytes.length) throw new Error(`${name}: truncated before storage ${key}`);
    const n = Number(dv.getBigInt64(pos, true));
    if (n !== s.numel) throw new Error(`${name}: storage ${key} has ${n} elements, pickle says ${s.numel}`);
    pos += 8;
    const len = n * s.kind.bytes;
    if (pos + len > bytes.length) {
      throw new Error(`${name}: truncated storage ${key} (needs ${len} bytes, ${bytes.length - pos} left)`);
    }
    s.bytes = bytes.subarray(pos, pos + len);
    pos += len;
  }
  const listed = new Set(keys.map(String));
  const unlisted = [...storages.keys()].filter((k) => !listed.has(k));
  if (unlisted.length) {
    throw new Error(`${name}: storages ${unlisted.join(", ")} referenced but have no data`);
  }
  return { root, keys: keys.map(String) };
}

/**
 * Tensors of a bare pickle starting at byte `start` (e.g. an object-dtype .npy whose payload pickles a dict
 * of torch tensors, as ICELUT's Basis_lut.npy), flattened as readPthFull does; a numpy object array
 * flattens to its items by index.
 */
export function parsePickle(bytes: Uint8Array, name: string, start = 0): PthContents {
  return withName(name, () => {
    const noPid = () => {
      throw new Error(`${name}: persistent id in a bare pickle`);
    };
    const root = new Unpickler(bytes, name, noPid, start).load();
    return finish(root, name, "legacy", [], bytes.length);
  });
}

/**
 * Parses checkpoint bytes (zip or legacy format); `name` appears in error messages.
 *
 * @example The tensors of the original Image-Adaptive 3DLUT's basis LUTs (from the shared data)
 * ```ts
 * import { resolveShared } from "../core/shared.ts";
 * import { parsePth } from "./pth.ts";
 *
 * const file = resolveShared("shared:pretrained/image_adaptive_3dlut/sRGB/LUTs.pth");
 * const { tensors } = parsePth(await Deno.readFile(file), file);
 * for (const [key, t] of tensors) console.log(key, t.dtype, t.shape); // "0.LUT" float32 [3, 33, 33, 33], ...
 * ```
 */
export function parsePth(bytes: Uint8Array, name: string): PthContents {
  return withName(name, () => {
    if (
      bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
    ) {
      return readZipCheckpoint(bytes, name);
    }
    if (bytes.length >= 2 && bytes[0] === 0x80) return readLegacyCheckpoint(bytes, name);
    throw new Error(`${name}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);
  });
}

/** Reads a checkpoint file → tensors, non-tensor leaves and storage bookkeeping (see the module doc). */
export async function readPthFull(path: string): Promise<PthContents> {
  return parsePth(await readBytes(path, "readPth"), path);
}

/** Reads a checkpoint file → Map from flattened "."-joined key to tensor (C order). */
export async function readPth(path: string): Promise<Map<string, Tensor>> {
  return (await readPthFull(path)).tensors;
}

/** Returns a map with `prefix` removed from the keys that start with it (e.g. "module." of DataParallel). */
export function stripPrefix<T>(map: Map<string, T>, prefix: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const [k, v] of map) out.set(k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
  return out;
}

/** A tensor's data as Float32Array (a copy for non-float32 dtypes; int64 via Number). */
export function tensorToFloat32(t: Tensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}
