/**
 * The library's photo families: importing this module registers each one's declaration in
 * photo_registry.ts (config.ts imports it, so every photo config is read by them). A new family is one file
 * that calls `registerPhotoFamily` and one import line here; the order here is the order of the docs.
 */
import "./lutnets.ts"; // "3dlut" (BL-A), "clutnet" (BL-C)
import "./models/pca_family.ts"; // "pca" (BL-B)
import "./hashnet.ts"; // "hashlut"
import "./adaintnet.ts"; // "adaint"
import "./seplutnet.ts"; // "seplut"
import "./bgridnet.ts"; // "lutbgrid"
import "./icelutnet.ts"; // "icelut"
