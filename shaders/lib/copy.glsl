// Pass-through: the frame as it is, when no effect is on, or around the box of an effect with an
// @extent. UPSAMPLE: a smaller texture enlarged bilinearly (the blur pyramid's coarse level).
#include "common.glsl"
#if defined FRAGMENT_SHADER
#if defined UPSAMPLE
void main() { f_color = vec4(texture(u_src, v_uv).rgb, 1.0); }
#else
void main() { f_color = vec4(src_pixel(), 1.0); }
#endif
#endif
