// @effect spotlight
// @description Draws attention to the gaze: the periphery dimmed and drained of colour.
// @order 60
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float radius;      // @param min=0.0 max=0.8 default=0.18 | Radius of the lit centre (fraction of frame height)
uniform float softness;    // @param min=0.0 max=0.8 default=0.12 | Width of the fade from centre to periphery
uniform float dim;         // @param min=0.0 max=1.0 default=0.6 | How much darker the periphery is (1: black)
uniform float desaturate;  // @param min=0.0 max=1.0 default=0.8 | How much colour the periphery loses (1: grey)

void main() {
    vec3 c = src_pixel();
    float e = smoothstep(radius, radius + softness + 1e-4, gaze_distance(v_uv));
    c = mix(c, vec3(luma(c)), desaturate * e) * (1.0 - dim * e);
    f_color = vec4(c, 1.0);
}
#endif
