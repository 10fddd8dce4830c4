// One level of the blur pyramid: half resolution, with a 4-tap tent over a 4x4 footprint
// (DOWNSAMPLE_BOX: one bilinear tap, a 2x2 box, for the costly first level).
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
