// @effect scotoma
// @description Simulated field loss that moves with the gaze: a central blind spot, a ring, an irregular patch, or tunnel vision.
// @order 50
// @extent 1.3 * size + softness + 0.01 if not peripheral else inf
#include "common.glsl"
#if defined FRAGMENT_SHADER
#include "noise.glsl"
uniform float size;      // @param min=0.0 max=0.8 default=0.12 | Radius of the lost field (fraction of frame height)
uniform float softness;  // @param min=0.0 max=0.3 default=0.04 | Width of the fading edge
uniform float opacity;   // @param min=0.0 max=1.0 default=0.95 | How completely the field is lost (0: not at all)
uniform int shape;       // @param min=0 max=2 default=0 | 0 circle, 1 ring (spared centre), 2 irregular (ragged edge, spared islands)
uniform bool peripheral; // @param default=0 | Lose the periphery instead of the centre (tunnel vision)
uniform bool freeze_on_blink; // @param default=1 | Keep the scotoma where it was while the eyes are closed

// 1 inside the lost field's outline at radius R, 0 outside, with a soft edge.
float disc(float r, float R) {
    float s = max(softness, 1.5 / u_resolution.y);
    return 1.0 - smoothstep(R - 0.5 * s, R + 0.5 * s, r);
}

float field_loss(vec2 d) {
    float r = length(d);
    if (shape == 1)  // a ring: the centre itself is spared, as in some pericentral losses
        return disc(r, size) * (1.0 - disc(r, 0.5 * size));
    if (shape == 2) {  // irregular: noise on the outline (by direction, so no seam) and spared islands
        vec2 dir = d / max(r, 1e-5);
        float R = size * (0.7 + 0.6 * fbm(dir * 1.7 + 3.0));
        float island = smoothstep(0.62, 0.68, value_noise(d / max(size, 1e-3) * 3.0 + 11.0));
        return disc(r, R) * (1.0 - island);
    }
    return disc(r, size);
}

void main() {
    // the scotoma is retinal: it follows the gaze, and a blink (no gaze) must not move it
    vec2 centre = (freeze_on_blink && u_blink > 0.5) ? u_gaze_held : u_gaze;
    vec2 d = aspect_offset(v_uv, centre);
    float loss = field_loss(d);
    if (peripheral)
        loss = 1.0 - loss;
    vec3 c = src_pixel();
    // a lost field looks like a featureless grey smudge, not black: faint mottling keeps it from looking cut out
    vec3 fill = vec3(0.42 + 0.08 * (value_noise(d * 9.0) - 0.5));
    f_color = vec4(mix(c, fill, opacity * loss), 1.0);
}
#endif
