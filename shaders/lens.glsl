// @effect lens
// @description A magnifier that follows the gaze: the content under it enlarged, with a soft edge and a rim.
// @order 40
// @extent 1.2 * radius + 0.05
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float radius;    // @param min=0.02 max=0.5 default=0.15 | Radius of the lens (fraction of frame height)
uniform float zoom;      // @param min=1.0 max=8.0 default=2.0 | Magnification inside the lens
uniform float softness;  // @param min=0.0 max=0.2 default=0.005 | Width of the blend from lens to frame at the edge
uniform float rim;       // @param min=0.0 max=1.0 default=0.6 | Darkness of the ring round the lens (0: none)

void main() {
    vec3 frame = src_pixel();
    float r = gaze_distance(v_uv);
    float pixel = 1.0 / u_resolution.y;
    float inside = 1.0 - smoothstep(radius - softness - pixel, radius, r);
    vec3 c = frame;
    if (inside > 0.0)  // the second lookup only where the lens is
        c = mix(frame, texture(u_src, u_gaze + (v_uv - u_gaze) / zoom).rgb, inside);
    float width = max(2.0 * pixel, 0.04 * radius);
    float ring = exp(-0.5 * pow((r - radius) / width, 2.0));
    f_color = vec4(mix(c, vec3(0.04), rim * ring), 1.0);
}
#endif
