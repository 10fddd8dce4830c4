// Pass-through: the frame as it is, when no effect is on.
#include "common.glsl"
#if defined FRAGMENT_SHADER
void main() { f_color = vec4(texture(u_src, v_uv).rgb, 1.0); }
#endif
