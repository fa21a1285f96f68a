/**
 * lib/enhance: photo enhancement with learned 3D LUTs -- the models (Image-Adaptive 3DLUT, CLUT-Net and its
 * baselines, HashLUT, AdaInt, SepLUT, LUTwithBGrid, ICELUT; lib/enhance/models/), their PhotoNet wrappers
 * declared and registered by `model.family` (photo_registry.ts), losses, augmentation, training (paired, and unpaired with WGAN-GP),
 * evaluation, LUT export (.cube, Hald CLUT, .3dl) and the built-in presets.
 * @module
 */
export * from "./adaintnet.ts";
export * from "./augment.ts";
export * from "./bgridnet.ts";
export * from "./config.ts";
export * from "./evaluate.ts";
export * from "./export.ts";
export * from "./family_doc.ts";
export * from "./families.ts";
export * from "./hashnet.ts";
export * from "./icelutnet.ts";
export * from "./input_space.ts";
export * from "./interpolation.ts";
export * from "./losses.ts";
export * from "./losses_gan.ts";
export * from "./lut_export.ts";
export * from "./lutnets.ts";
export * from "./model_settings.ts";
export * from "./nets.ts";
export * from "./photonet.ts";
export * from "./photo_registry.ts";
export * from "./score.ts";
export * from "./seplutnet.ts";
export * from "./train_defaults.ts";
export * from "./photo_train.ts";
export * from "./unpaired.ts";
export * from "./unpaired_checkpoint.ts";
export * from "./unpaired_config.ts";
export * from "./models/adaint.ts";
export * from "./models/backbone.ts";
export * from "./models/clut.ts";
export * from "./models/discriminator.ts";
export * from "./models/hashlut.ts";
export * from "./models/icelut.ts";
export * from "./models/import.ts";
export * from "./models/import_adaptive.ts";
export * from "./models/lut_generator.ts";
export * from "./models/lut3dnet.ts";
export * from "./models/lutbgrid.ts";
export * from "./models/occupancy.ts";
export * from "./models/pca.ts";
export * from "./models/pca_family.ts";
export * from "./models/pooled_trunk.ts";
export * from "./models/seplut.ts";
