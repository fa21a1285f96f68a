/**
 * Argument checks shared by every FFI wrapper (lib/lut/*.ts, lib/nn/*.ts): a native kernel trusts the
 * element type and length of each buffer it is given, so both are checked here, before the call, and
 * an error names the call, the argument and what was expected. Enum arguments (modes) are looked up
 * with Object.hasOwn, so "toString" or "constructor" are refused like any unknown name.
 */

/** Typed-array classes passed to native kernels. */
type ArrayClass =
  | Float32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor;

/** "a Uint8Array of 48 values", "a number", "undefined", ... for error messages. */
function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) {
    const n = (v as unknown as { length?: number }).length ?? v.byteLength;
    return `a ${v.constructor.name} of ${n} values`;
  }
  if (Array.isArray(v)) return `an Array of ${v.length} values`;
  return v === null ? "null" : typeof v === "object" ? `a ${v.constructor?.name ?? "object"}` : typeof v;
}

/** Checks that `a` is a `cls` of `length` values (when given; `shape` describes it in the message). */
function expectArray<C extends ArrayClass>(
  cls: C,
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): asserts a is InstanceType<C> {
  if (!(a instanceof cls)) throw new Error(`${what}: ${name} must be a ${cls.name}, got ${describe(a)}`);
  if (length !== undefined && a.length !== length) {
    throw new Error(
      `${what}: ${name} has ${a.length} values, expected ${shape ? `${shape} = ` : ""}${length}`,
    );
  }
}

/** `a` must be a Float32Array (of `length` values when given; `shape` names it in errors). */
export function expectF32(
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): asserts a is Float32Array {
  expectArray(Float32Array, what, name, a, length, shape);
}

/** `a` must be a Uint8Array (of `length` values when given; `shape` names it in errors). */
export function expectU8(
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): asserts a is Uint8Array {
  expectArray(Uint8Array, what, name, a, length, shape);
}

/** `a` must be a Uint16Array (of `length` values when given; `shape` names it in errors). */
export function expectU16(
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): asserts a is Uint16Array {
  expectArray(Uint16Array, what, name, a, length, shape);
}

/** `a` must be a Uint32Array (of `length` values when given; `shape` names it in errors). */
export function expectU32(
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): asserts a is Uint32Array {
  expectArray(Uint32Array, what, name, a, length, shape);
}

/** `a` must be an Int8Array or a Float32Array (an SR-LUT table); returns the native dtype code (0 f32, 1 i8). */
export function expectTableData(
  what: string,
  name: string,
  a: unknown,
  length?: number,
  shape?: string,
): 0 | 1 {
  const int8 = a instanceof Int8Array;
  if (!int8 && !(a instanceof Float32Array)) {
    throw new Error(`${what}: ${name} must be an Int8Array or a Float32Array, got ${describe(a)}`);
  }
  expectArray(int8 ? Int8Array : Float32Array, what, name, a, length, shape);
  return int8 ? 1 : 0;
}

/** `v` must be an integer in [min, max] (default: a positive int32). */
export function expectInt(what: string, name: string, v: unknown, min = 1, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    throw new Error(`${what}: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v as number;
}

/** `mode` must be an own key of `codes`; returns its native code. */
export function expectMode<K extends string>(
  what: string,
  name: string,
  mode: unknown,
  codes: Readonly<Record<K, number>>,
): number {
  if (typeof mode !== "string" || !Object.hasOwn(codes, mode)) {
    const names = Object.keys(codes).map((k) => `"${k}"`).join(" or ");
    throw new Error(`${what}: ${name} must be ${names}, got ${JSON.stringify(String(mode))}`);
  }
  return codes[mode as K];
}
