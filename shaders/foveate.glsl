// @effect foveate
// @description Gaze-contingent blur: sharp inside the fovea, blur growing smoothly with eccentricity.
// @order 10
// @pyramid 5
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float radius;    // @param min=0.0 max=0.6 default=0.1 | Radius of the sharp fovea (fraction of frame height)
uniform float strength;  // @param min=0.0 max=5.0 default=4.0 | Blur in the far periphery (pyramid levels; each doubles the blur)
uniform float falloff;   // @param min=0.01 max=1.5 default=0.35 | Distance over which the blur ramps up to full strength
float blur_lod(vec2 uv) {
    float e = clamp((gaze_distance(uv) - radius) / falloff, 0.0, 1.0);
    return strength * e * e * (3.0 - 2.0 * e);
}
#include "blend.glsl"
#endif
