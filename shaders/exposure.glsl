// @effect exposure
// @description Brightness and contrast that follow the pupil: a wider pupil lets in more light and washes out contrast.
// @order 70
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float gain;          // @param min=0.0 max=4.0 default=1.0 | Stops of exposure per unit of pupil drive (0: off)
uniform float contrast;      // @param min=0.0 max=2.0 default=1.0 | Contrast around mid-grey with the pupil at its reference
uniform float contrast_gain; // @param min=0.0 max=1.0 default=0.25 | How much each stop of exposure lowers contrast
uniform float baseline_mm;   // @param min=2.0 max=8.0 default=4.0 | Pupil diameter that means no change, in relative mode
uniform bool relative;       // @param default=0 | Mode: 0 absolute (2..8 mm span -gain..+gain stops), 1 relative (light ratio to baseline_mm)

// Exposure in stops. Relative: retinal illuminance grows with pupil area, so twice the diameter is
// two stops. Absolute: the physiological 2-8 mm range maps linearly onto -gain..+gain.
float stops() {
    float d = max(u_pupil, 0.5);
    float drive = relative ? 2.0 * log2(d / baseline_mm) : (d - 5.0) / 3.0;
    return gain * drive;
}

void main() {
    vec3 c = src_pixel();
    float s = stops();
    // scale light, not code values: to linear (gamma 2, close to sRGB and far cheaper than pow on a
    // software rasteriser), expose, back
    c = sqrt(c * c * exp2(s));
    float k = contrast * exp2(-contrast_gain * s);
    c = (c - 0.5) * k + 0.5;
    f_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
#endif
