// Shared by every effect: the full-screen triangle and the uniforms every effect receives.
// Texture row 0 is the top of the frame, so v_uv = (0, 0) is the top-left corner, like page coordinates.
#if defined VERTEX_SHADER
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
#else
in vec2 v_uv;
out vec4 f_color;
uniform sampler2D u_src;      // the output of the previous effect (or the content frame)
uniform vec2 u_gaze;          // gaze point, [0,1] page coordinates
uniform vec2 u_gaze_held;     // the gaze before the current blink (u_gaze when not blinking)
uniform float u_pupil;        // pupil diameter, mm (4.0 when unknown)
uniform float u_blink;        // 1.0 while the eyes are closed
uniform float u_time;         // seconds since the channel started
uniform float u_dt;           // seconds since the previous render (0 on the first): frame-rate-free fades
uniform vec2 u_resolution;    // output size in pixels

// Offset from a point in units of frame height (circles stay round on any aspect).
vec2 aspect_offset(vec2 uv, vec2 point) {
    return (uv - point) * vec2(u_resolution.x / u_resolution.y, 1.0);
}

// Distance from the gaze point in units of frame height.
float gaze_distance(vec2 uv) { return length(aspect_offset(uv, u_gaze)); }

// The input pixel under this fragment (every effect pass runs at its input's size). On llvmpipe a
// texelFetch costs about half a bilinear texture() read, which filters even at texel centres.
vec3 src_pixel() { return texelFetch(u_src, ivec2(gl_FragCoord.xy), 0).rgb; }

float luma(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }
#endif
