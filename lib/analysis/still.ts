/**
 * Static images of figures for notebook output: a PNG (base64) of the figure drawn in headless Chromium,
 * which `show` puts beside the interactive form so GitHub, nbviewer and untrusted notebooks show it.
 * plotly.js is written once per process into a scratch folder the pages load it from.
 */
import { join } from "@std/path";
import { type Figure, figureSize } from "./figure_spec.ts";
import { plotlyJs } from "./plotlyjs.ts";
import { figureHtml, findChromium, runChromium } from "./save.ts";
import { fitFigure } from "./rules.ts";

let scratch: Promise<string> | undefined;

/** Folder holding plotly.js for the screenshot pages (made once per process, removed at exit). */
function scratchDir(): Promise<string> {
  scratch ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "lutlab-still-" });
    await Deno.writeTextFile(join(dir, "plotly.js"), plotlyJs());
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return dir;
  })();
  return scratch;
}

/** Base64 of the encoded bytes. */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * PNG of `fig` (layout rules applied) as base64, screenshot by headless Chromium at the figure's size;
 * undefined when Chromium is not installed or fails (the reason goes to stderr).
 */
export async function renderPngBase64(fig: Figure): Promise<string | undefined> {
  if (!findChromium()) return undefined;
  fig = fitFigure(fig);
  const dir = await scratchDir();
  const stem = join(dir, `f${crypto.randomUUID()}`);
  try {
    await Deno.writeTextFile(`${stem}.html`, figureHtml(fig, "sibling", true));
    await runChromium(`${stem}.html`, [`--screenshot=${stem}.png`], figureSize(fig), "static PNG");
    return base64(await Deno.readFile(`${stem}.png`));
  } catch (e) {
    console.error(`show: no static PNG (${(e as Error).message})`);
    return undefined;
  } finally {
    for (const ext of [".html", ".png"]) await Deno.remove(`${stem}${ext}`).catch(() => {});
  }
}
