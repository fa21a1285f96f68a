/**
 * Inline image rows for notebooks: planar [C,H,W] float images shown side by side as PNGs with
 * captions (HTML output of a Deno notebook; a text summary outside Jupyter).
 */
import { encodeImage, type Image } from "../image/io.ts";
import { display } from "./figure.ts";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * HTML row of captioned PNG images (data: URLs), each drawn `width` CSS pixels wide (default 256);
 * `pixelated` scales without smoothing (zoomed crops).
 */
export async function imageRowHtml(
  items: { caption: string; image: Image }[],
  width = 256,
  pixelated = false,
): Promise<string> {
  const cells = await Promise.all(items.map(async ({ caption, image }) => {
    const png = base64(await encodeImage(image, "png"));
    return `<figure style="display:inline-block;margin:4px;text-align:center">` +
      `<img src="data:image/png;base64,${png}" style="width:${width}px;image-rendering:${
        pixelated ? "pixelated" : "auto"
      }"/>` +
      `<figcaption style="font:12px sans-serif;width:${width}px">${
        escapeHtml(caption)
      }</figcaption></figure>`;
  }));
  return `<div>${cells.join("")}</div>`;
}

/** Shows images side by side in a Deno notebook (`await showImages([...])`); prints captions elsewhere. */
export async function showImages(items: { caption: string; image: Image }[], width = 256): Promise<void> {
  if (items.length === 0) throw new Error("showImages: no images");
  const text = items.map((i) => `${i.caption} [${i.image.channels}×${i.image.height}×${i.image.width}]`).join(
    " | ",
  );
  await display({ "text/html": await imageRowHtml(items, width), "text/plain": text });
}
