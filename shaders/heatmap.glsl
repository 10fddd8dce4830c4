// @effect heatmap
// @description Fixation heat: where the gaze dwells turns warm, and the heat fades with a set half-life.
// @order 90
// @feedback 4
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float half_life; // @param min=0.1 max=60.0 default=4.0 | Seconds for the heat to fall by half
uniform float radius;    // @param min=0.01 max=0.3 default=0.05 | Size of the spot one fixation heats (fraction of frame height)
uniform float dwell;     // @param min=0.05 max=10.0 default=1.0 | Seconds of dwell that bring a spot to full heat
uniform float opacity;   // @param min=0.0 max=1.0 default=0.65 | Opacity of the overlay at full heat
uniform int colormap;    // @param min=0 max=2 default=0 | 0 inferno, 1 jet, 2 red
uniform sampler2D u_prev;   // FEEDBACK_PASS: the state of the previous render (r = heat)
uniform sampler2D u_state;  // the state after this render's update

#if defined FEEDBACK_PASS
// Heat obeys dh/dt = -k h + rate with k = ln 2 / half_life; stepping it by its exact solution makes the
// result the same at any frame rate (a plain "decay, then add rate * dt" favours slow frame rates).
void main() {
    float k = 0.693147 / half_life;
    float rate = (1.0 - u_blink) * exp(-0.5 * pow(gaze_distance(v_uv) / radius, 2.0)) / dwell;
    // a long gap between renders (nobody watching) must not dump heat at one spot: cap the dwell credited
    float gain = (1.0 - exp(-k * min(u_dt, 0.5))) / k;
    float heat = texture(u_prev, v_uv).r * exp(-k * u_dt) + rate * gain;
    f_color = vec4(min(heat, 4.0), 0.0, 0.0, 1.0);
}
#else
vec3 palette(float t) {
    if (colormap == 1)  // jet
        return clamp(vec3(1.5 - abs(4.0 * t - 3.0), 1.5 - abs(4.0 * t - 2.0), 1.5 - abs(4.0 * t - 1.0)), 0.0, 1.0);
    if (colormap == 2)
        return vec3(1.0, 0.1, 0.05);
    // inferno, by a polynomial fit of matplotlib's table
    vec3 c0 = vec3(0.0002, 0.0016, -0.0194), c1 = vec3(0.1065, 0.5640, 3.9327);
    vec3 c2 = vec3(11.6025, -3.9729, -15.9424), c3 = vec3(-41.7040, 17.4364, 44.3541);
    vec3 c4 = vec3(77.1629, -33.4024, -81.8073), c5 = vec3(-71.3194, 32.6261, 73.2095);
    vec3 c6 = vec3(25.1311, -12.2427, -23.0703);
    return clamp(c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))))), 0.0, 1.0);
}

void main() {
    vec3 c = src_pixel();
    float heat = clamp(texture(u_state, v_uv).r, 0.0, 1.0);
    float alpha = opacity * smoothstep(0.02, 0.35, heat);  // cold areas stay untouched
    f_color = vec4(mix(c, palette(0.25 + 0.75 * heat), alpha), 1.0);
}
#endif
#endif
