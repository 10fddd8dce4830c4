// @effect foveate
// @description Gaze-contingent blur: sharp inside the fovea, blur growing smoothly with eccentricity.
// @order 10
// @pyramid 5
// @extent radius + falloff * (0.5 - sin(asin(1 - 4 / strength) / 3)) if strength >= 2 else inf
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float radius;    // @param min=0.0 max=0.6 default=0.1 | Radius of the sharp fovea (fraction of frame height)
uniform float strength;  // @param min=0.0 max=5.0 default=4.0 | Blur in the far periphery (pyramid levels; each doubles the blur)
uniform float falloff;   // @param min=0.01 max=1.5 default=0.35 | Distance over which the blur ramps up to full strength
uniform float contrast;  // @param min=0.0 max=1.0 default=0.0 | Contrast preservation in the periphery: restore the local contrast the blur removes
// The @extent is where lod reaches 2 (smoothstep inverted): past it the last pass shows only the
// upsampled coarse level, so the compositor runs that pass in the box around the gaze only.
float blur_lod(vec2 uv) {
    float e = clamp((gaze_distance(uv) - radius) / falloff, 0.0, 1.0);
    return strength * e * e * (3.0 - 2.0 * e);
}
#define CUSTOM_BLEND_MAIN
#include "blend.glsl"

// Blur lowers the contrast of everything finer than its scale; the eye reads that as a fog, which
// peripheral vision does not see. Stretch the luminance that survives around the local mean, more
// where the blur removed more, so edges and shading keep their strength while fine detail stays gone.
// Luminance only: stretching each channel would oversaturate colours.
vec3 preserve_contrast(vec3 blurred, vec2 uv) {
    float boost = contrast * 0.4 * min(blur_lod(uv), 2.5);  // 0 in the fovea: it stays the input
    float lost = luma(blurred) - luma(texture(u_mean, uv).rgb);
    return clamp(blurred + lost * boost, 0.0, 1.0);
}

void main() {
    vec3 c = blend_level(v_uv);
#if !defined BLEND_FINAL  // the full-resolution pass stays lean: llvmpipe runs untaken branches too
    if (u_next == 0.0)  // once, in the last reduced-resolution pass
        c = preserve_contrast(c, v_uv);
#endif
    f_color = vec4(c, 1.0);
}
#endif
