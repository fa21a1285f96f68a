/**
 * Tiny zip reader for store-only archives (PyTorch checkpoints): parses the end-of-central-directory
 * record (zip64 included), the central directory, and each entry's local header.
 */

/** Entry name → function returning that entry's bytes (a view into `bytes`, not a copy). */
export function unzipStored(bytes: Uint8Array, name: string): Map<string, () => Uint8Array> {
  const fail = (msg: string): never => {
    throw new Error(`${name}: bad zip archive: ${msg}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inside = (p: number, n: number) =>
    p >= 0 && p + n <= bytes.length ? p : fail(`field at byte ${p} lies outside the file`);
  const u16 = (p: number) => dv.getUint16(inside(p, 2), true);
  const u32 = (p: number) => dv.getUint32(inside(p, 4), true);
  const u64 = (p: number) => {
    const v = dv.getBigUint64(inside(p, 8), true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail(`64-bit field too large at ${p}`) : Number(v);
  };
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (u32(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail("end of central directory not found (truncated file?)");
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) fail("zip64 locator missing");
    const rec = u64(loc + 8);
    if (rec + 56 > bytes.length || u32(rec) !== 0x06064b50) fail("zip64 end of central directory missing");
    count = u64(rec + 32);
    cdOffset = u64(rec + 48);
  }
  const entries = new Map<string, () => Uint8Array>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || u32(p) !== 0x02014b50) fail(`central directory entry ${i} corrupt`);
    const method = u16(p + 10);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nlen = u16(p + 28), xlen = u16(p + 30), clen = u16(p + 32);
    let local = u32(p + 42);
    if (p + 46 + nlen + xlen > bytes.length) {
      fail(`central directory entry ${i} runs past the end of the file`);
    }
    const entryName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nlen));
    // zip64 extended information: present fields appear in the order usize, csize, local offset.
    for (let x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
      const id = u16(x), len = u16(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === 0xffffffff) usize = u64(q), q += 8;
        if (csize === 0xffffffff) csize = u64(q), q += 8;
        if (local === 0xffffffff) local = u64(q);
      }
      x += 4 + len;
    }
    if (method !== 0) {
      fail(`entry ${entryName} is compressed (method ${method}); only stored entries are supported`);
    }
    if (csize !== usize) fail(`entry ${entryName}: stored sizes differ`);
    if (local + 30 > bytes.length || u32(local) !== 0x04034b50) fail(`local header of ${entryName} corrupt`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + csize > bytes.length) fail(`entry ${entryName} truncated`);
    entries.set(entryName, () => bytes.subarray(start, start + csize));
    p += 46 + nlen + xlen + clen;
  }
  return entries;
}
