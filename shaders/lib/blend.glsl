// Pyramid blend for blur effects. The effect defines `float blur_lod(vec2 uv)` before including this:
// 0 = sharp, each unit doubles the blur. The compositor runs main() once per pyramid level, coarse to
// fine, at that level's resolution: out_k = mix(level_k, upsampled out_k+1, clamp(lod - k, 0, 1)).
// Level 0 is the effect's input at full resolution, so the sharp region is exactly the input.
// Level 1 is skipped (the last pass mixes level 0 with level 2 over two units of lod): on a software
// rasteriser every full-resolution texture read costs, and a branch does not save its untaken side,
// so extra work belongs in the reduced-resolution passes (u_next == 0: the last of them).
uniform sampler2D u_fine;    // pyramid level k, read 1:1 at this pass's resolution
uniform sampler2D u_coarse;  // the blended result of level k+1 (bilinear 2x upsample)
uniform float u_level;       // k
uniform float u_next;        // the level the next pass blends at; -1 in the last, full-resolution pass
uniform float u_step;        // levels from u_fine to u_coarse: 1, or 2 in the last pass (level 1 is skipped)
uniform sampler2D u_mean;    // the coarsest pyramid level: a local mean of the input

// The coarse level enlarged 2x. One bilinear tap leaves the coarse texels' diamond pattern, which
// compounds over the coarsest levels into visible blocks; four taps half a coarse texel apart (a 3x3
// tent) do not. The passes at level 2 and 0 cost most of the texture reads, and there one tap does:
// the compositor compiles them with BLEND_ONE_TAP (llvmpipe runs both sides of an if, even a uniform one).
vec3 upsample(vec2 uv) {
#if defined BLEND_ONE_TAP
    return texture(u_coarse, uv).rgb;
#else
    vec2 h = 0.5 / vec2(textureSize(u_coarse, 0));
    return 0.25 * (texture(u_coarse, uv + vec2(-h.x, -h.y)).rgb + texture(u_coarse, uv + vec2(h.x, -h.y)).rgb
                 + texture(u_coarse, uv + vec2(-h.x, h.y)).rgb + texture(u_coarse, uv + vec2(h.x, h.y)).rgb);
#endif
}

vec3 blend_level(vec2 uv) {
    float w = clamp((blur_lod(uv) - u_level) / u_step, 0.0, 1.0);
    vec3 fine = texelFetch(u_fine, ivec2(gl_FragCoord.xy), 0).rgb;
    return mix(fine, upsample(uv), w);
}

#if !defined CUSTOM_BLEND_MAIN
void main() { f_color = vec4(blend_level(v_uv), 1.0); }
#endif
