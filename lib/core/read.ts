/** File reads whose errors name the operation and the path (e.g. "readNpy /x/y.npy: No such file"). */

/** Reads a whole file; on failure throws `${what} ${path}: <reason>`. */
export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether `path` exists (a file, folder or a link to one). */
export function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** Reads a UTF-8 text file; on failure throws `${what} ${path}: <reason>`. */
export async function readText(path: string, what: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(path, what));
}

/**
 * Runs a parser of file `name`: an error whose message does not name the file yet (a RangeError from a
 * corrupt offset, a stack overflow, a non-Error throw) is rethrown as an Error prefixed with `name`.
 */
export function withName<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof Error && msg.includes(name)) throw e;
    throw new Error(`${name}: ${msg}`, { cause: e });
  }
}
