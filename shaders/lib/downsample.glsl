// One level of the blur pyramid: four bilinear taps one source texel from the centre. Into a target of
// half the source's size that is a tent over a 4x4 footprint; of a quarter (the full frame straight to
// level 2), a 4x4 box. DOWNSAMPLE_BOX: one bilinear tap, a 2x2 box, for a pyramid of one level.
#include "common.glsl"
#if defined FRAGMENT_SHADER
void main() {
#if defined DOWNSAMPLE_BOX
    f_color = vec4(texture(u_src, v_uv).rgb, 1.0);
#else
    vec2 texel = 1.0 / vec2(textureSize(u_src, 0));
    vec3 c = texture(u_src, v_uv + texel * vec2(-1.0, -1.0)).rgb
           + texture(u_src, v_uv + texel * vec2( 1.0, -1.0)).rgb
           + texture(u_src, v_uv + texel * vec2(-1.0,  1.0)).rgb
           + texture(u_src, v_uv + texel * vec2( 1.0,  1.0)).rgb;
    f_color = vec4(c * 0.25, 1.0);
#endif
}
#endif
