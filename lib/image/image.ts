/** The image type of the whole library: planar CHW float32 in [0,1], `data` of length channels*height*width. */
export type Image = { data: Float32Array; channels: number; height: number; width: number };
