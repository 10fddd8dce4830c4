"""The CPU twins (render/cpu.py) against the GL shaders they stand in for, on real frames."""
import shutil

import numpy as np
import pytest

from config import ROOT
from pipeline.sources import DemoSource
from render.compositor import Compositor, View
from render.cpu import TWIN_SHA256, CpuCompositor, CpuFoveate, CpuScotoma, fbm, twin_digest, value_noise
from render.effects import load_effects, parse_effect
from tests.conftest import detail_frame, sharpness
from tests.render.frames import detail
from tests.support import TINT

SIZES = [(1280, 720), (640, 360), (400, 250)]  # 720 / 16 = 45 and 250 / 4 are odd: taps between texels
CASES = [({}, (0.5, 0.5)), ({}, (0.12, 0.2)), ({"strength": 5.0, "radius": 0.05}, (0.8, 0.7)),
         ({"strength": 1.5}, (0.3, 0.3)), ({"contrast": 1.0}, (0.45, 0.55)),
         ({"falloff": 1.2, "strength": 3.0}, (0.97, 0.03))]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    err = np.mean((a[..., :3].astype(np.float64) - b[..., :3]) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(err, 1e-9)))


@pytest.fixture(scope="module")
def specs():
    return load_effects(ROOT / "shaders")


def chain(specs, **params):
    spec = specs["foveate"]
    return [(spec, {**spec.defaults(), **params})]


@pytest.mark.parametrize("size", SIZES)
def test_the_twin_renders_what_the_shader_renders(ctx, specs, size):
    frame = DemoSource(size).read().copy()
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    try:
        gl_comp.load(specs["foveate"])
        gl_comp.upload(frame)
        cpu.upload(frame)
        for params, gaze in CASES:
            want = gl_comp.render(chain(specs, **params), View(gaze=gaze)).copy()
            got = cpu.render(chain(specs, **params), View(gaze=gaze)).copy()
            assert psnr(want, frame) < 30, "the case must blur something, or agreeing proves nothing"
            assert psnr(got, want) > 38, (params, gaze)
            assert np.abs(got[..., :3].astype(int) - want[..., :3]).max() <= 16, (params, gaze)
            assert (got[..., 3] == 255).all()
    finally:
        gl_comp.release()


TWIN_CASES = [
    ("spotlight", {}, View(gaze=(0.5, 0.5))),
    ("spotlight", {"softness": 0.0, "radius": 0.3}, View(gaze=(0.13, 0.77))),  # a hard edge
    ("spotlight", {"dim": 1.0, "desaturate": 0.0, "radius": 0.05}, View(gaze=(0.98, 0.02))),
    ("spotlight", {"dim": 0.0, "desaturate": 1.0, "radius": 0.7, "softness": 0.8}, View(gaze=(0.4, 0.6))),
    ("lens", {}, View(gaze=(0.5, 0.5))),
    ("lens", {"zoom": 4.0, "radius": 0.3, "softness": 0.1}, View(gaze=(0.2, 0.8))),
    ("lens", {"rim": 1.0, "radius": 0.05}, View(gaze=(0.99, 0.01))),  # at the corner: clamped reads
    ("exposure", {}, View(pupil_mm=7.0)),
    ("exposure", {"relative": 1, "gain": 2.0}, View(pupil_mm=2.5)),
    ("exposure", {"contrast": 1.8, "contrast_gain": 1.0}, View(pupil_mm=5.5)),
    ("scotoma", {}, View(gaze=(0.5, 0.5))),
    ("scotoma", {"shape": 1, "size": 0.3}, View(gaze=(0.2, 0.7))),  # a ring
    ("scotoma", {"peripheral": 1, "size": 0.25, "softness": 0.1}, View(gaze=(0.6, 0.4))),
    ("scotoma", {"peripheral": 1, "shape": 1, "opacity": 0.5}, View(gaze=(0.95, 0.05))),  # at the corner
    ("scotoma", {"softness": 0.0, "opacity": 1.0, "size": 0.2}, View(gaze=(0.33, 0.61))),  # a hard edge
    ("scotoma", {"size": 0.8, "softness": 0.3}, View(gaze=(0.5, 0.5))),  # the box is the whole frame
    ("scotoma", {"shape": 2}, View(gaze=(0.5, 0.5))),  # irregular: ragged outline, spared islands
    ("scotoma", {"shape": 2, "size": 0.3, "softness": 0.0}, View(gaze=(0.3, 0.6))),
    ("scotoma", {"shape": 2, "peripheral": 1, "size": 0.25}, View(gaze=(0.7, 0.3))),
    ("scotoma", {"shape": 2, "size": 0.05}, View(gaze=(0.02, 0.97))),
]


@pytest.mark.parametrize("size", SIZES[1:])
def test_the_spotlight_lens_exposure_and_scotoma_twins_render_what_their_shaders_render(ctx, specs, size):
    frame = DemoSource(size).read().copy()
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    try:
        for name in ("foveate", "spotlight", "exposure", "lens", "scotoma"):
            gl_comp.load(specs[name])
        gl_comp.upload(frame)
        cpu.upload(frame)
        for name, params, view in TWIN_CASES:
            effect = [(specs[name], {**specs[name].defaults(), **params})]
            want = gl_comp.render(effect, view).copy()
            got = cpu.render(effect, view).copy()
            assert psnr(want, frame) < 40, "the case must change the frame, or agreeing proves nothing"
            assert np.abs(got.astype(int) - want).max() <= 2, (name, params)
            assert (got[..., 3] == 255).all()
        # chains of them, in two orders
        for order in (("foveate", "lens", "spotlight", "exposure", "scotoma"),
                      ("scotoma", "exposure", "spotlight", "lens", "foveate")):
            effects = [(specs[n], specs[n].defaults()) for n in order]
            view = View(gaze=(0.3, 0.6), pupil_mm=6.0)
            want = gl_comp.render(effects, view).copy()
            got = cpu.render(effects, view)
            assert psnr(got, want) > 40 and np.abs(got[..., :3].astype(int) - want[..., :3]).max() <= 16, order
    finally:
        gl_comp.release()


def test_sharp_at_the_gaze_blurred_far_from_it_and_the_fovea_is_the_input():
    w, h = 320, 180
    frame = detail_frame(w, h)
    out = CpuFoveate((w, h)).render(frame, (0.25, 0.5)).copy()
    assert sharpness(out, 0.25, 0.5) > 0.9 * sharpness(frame, 0.25, 0.5)
    assert sharpness(out, 0.8, 0.5) < 0.1 * sharpness(frame, 0.8, 0.5)
    x, y = int(0.25 * w), int(0.5 * h)
    assert np.array_equal(out[y - 3:y + 3, x - 3:x + 3], frame[y - 3:y + 3, x - 3:x + 3])


def test_parameters_move_it():
    w, h = 320, 180
    frame = detail_frame(w, h)
    fov = CpuFoveate((w, h))
    wide = fov.render(frame, (0.5, 0.5), radius=0.4).copy()
    narrow = fov.render(frame, (0.5, 0.5), radius=0.02).copy()
    assert sharpness(wide, 0.7, 0.5) > 5 * sharpness(narrow, 0.7, 0.5)
    assert np.array_equal(fov.render(frame, (0.5, 0.5), strength=0.0), frame)
    plain = fov.render(frame, (0.2, 0.5), contrast=0.0)[..., :3].astype(np.float32)
    kept = fov.render(frame, (0.2, 0.5), contrast=1.0)[..., :3].astype(np.float32)
    far = (slice(60, 120), slice(220, 300))
    assert detail(kept[far]) > 1.3 * detail(plain[far])  # as tests/render/test_foveate.py asks of GL
    assert detail(kept[far]) < detail(frame[..., :3].astype(np.float32)[far])
    fovea = (slice(80, 100), slice(54, 74))
    assert np.array_equal(kept[fovea], frame[fovea][..., :3])


def test_a_gaze_only_re_render_reuses_the_pyramid_of_the_same_content_version():
    size = (640, 360)
    frame = DemoSource(size).read().copy()
    black = np.zeros_like(frame)
    black[..., 3] = 255
    reused = CpuFoveate(size)
    reused.render(frame, (0.2, 0.2), version=1)
    # the same version: the periphery still comes from the first frame's pyramid
    a = reused.render(black, (0.7, 0.6), version=1).copy()
    ref = CpuFoveate(size).render(frame, (0.7, 0.6)).copy()
    corner = (slice(0, 40), slice(0, 60))  # far from the gaze: no part of the input shows there
    assert np.array_equal(a[corner], ref[corner]) and a[corner][..., :3].max() > 0
    # a new version rebuilds it
    b = reused.render(black, (0.7, 0.6), version=2)
    assert b[..., :3].max() == 0


def test_only_the_stock_foveate_source_has_a_twin(specs, tmp_path):
    cpu = CpuCompositor((320, 180), ROOT / "shaders")
    assert cpu.supports(chain(specs))
    assert cpu.supports([])  # no effect: the frame as it is
    assert cpu.supports(chain(specs) + [(specs[n], {}) for n in ("spotlight", "exposure", "lens")])
    assert cpu.supports([(specs["scotoma"], {"shape": shape}) for shape in (0, 1, 2)] + [(specs["heatmap"], {})])
    (tmp_path / "tint.glsl").write_text(TINT)
    tint = parse_effect(tmp_path / "tint.glsl")
    assert not cpu.supports([(tint, {})])  # a custom effect has no twin: chains with it render through GL
    assert not cpu.supports(chain(specs) + [(tint, {})])
    edited = specs["foveate"].__class__(**{**vars(specs["foveate"]),
                                          "source": specs["foveate"].source.replace("3.0 - 2.0 * e", "2.0 - e")})
    assert not cpu.supports([(edited, {})])
    # a shader folder whose foveate.glsl, or only lib/blend.glsl, was edited renders foveate through GL
    for edited_file in ("foveate.glsl", "lib/blend.glsl"):
        copy = tmp_path / edited_file.replace("/", "_")
        shutil.copytree(ROOT / "shaders", copy)
        assert CpuCompositor((320, 180), copy).supports(chain(load_effects(copy)))
        (copy / edited_file).write_text((copy / edited_file).read_text() + "\n// edited\n")
        assert not CpuCompositor((320, 180), copy).supports(chain(load_effects(copy)))


@pytest.mark.parametrize("name", sorted(TWIN_SHA256))
def test_each_twin_was_written_from_the_shaders_in_the_repository(name):
    """Changing a twinned shader or the lib files needs the twin changed too: this fails first."""
    source = (ROOT / "shaders" / f"{name}.glsl").read_text()
    assert twin_digest(source, ROOT / "shaders", name) == TWIN_SHA256[name]


def test_the_scotoma_twin_freezes_during_a_blink_like_the_shader(ctx, specs):
    size = (640, 360)
    frame = DemoSource(size).read().copy()
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    spec = specs["scotoma"]
    try:
        gl_comp.load(spec)
        gl_comp.upload(frame)
        cpu.upload(frame)
        outs = {}
        for freeze in (1, 0):
            effect = [(spec, {**spec.defaults(), "freeze_on_blink": freeze, "opacity": 1.0, "softness": 0.0})]
            for name, view in (("open", View(gaze=(0.3, 0.5))), ("blink", View(gaze=(0.7, 0.5), blink=True))):
                want = gl_comp.render(effect, view).copy()
                got = cpu.render(effect, view).copy()
                assert np.abs(got.astype(int) - want).max() <= 2, (freeze, name)
                outs[freeze, name] = got
        grey = lambda img, x: float(np.std(img[180, int(x * 640) - 10:int(x * 640) + 10, :3]))  # noqa: E731
        # frozen: the blind spot stays where the eye was before the blink; not frozen, it follows the gaze
        assert grey(outs[1, "blink"], 0.3) < 8 < grey(outs[1, "blink"], 0.7)
        assert grey(outs[0, "blink"], 0.7) < 8 < grey(outs[0, "blink"], 0.3)
    finally:
        gl_comp.release()


def _heat_views(frames: int, start: float = 0.0):
    """A gaze that dwells, blinks now and then, then drifts away, at 30 fps."""
    for i in range(frames):
        gaze = (0.3, 0.5) if i < 40 else (0.3 + (i - 40) * 0.01, 0.4)
        yield View(gaze=gaze, time=start + (i + 1) / 30, blink=(i % 25 == 0))


@pytest.mark.parametrize("params", [{}, {"colormap": 1, "opacity": 1.0, "radius": 0.1},
                                    {"colormap": 2, "half_life": 1.0, "dwell": 0.3}])
def test_the_heatmap_twin_keeps_the_shaders_heat_frame_after_frame(ctx, specs, params):
    size = (402, 250)  # not a multiple of 4: the state's texels do not tile the frame exactly
    frame = DemoSource(size).read().copy()
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    spec = specs["heatmap"]
    effect = [(spec, {**spec.defaults(), **params})]
    try:
        gl_comp.load(spec)
        gl_comp.upload(frame)
        cpu.upload(frame)
        for view in _heat_views(90):
            want = gl_comp.render(effect, view).copy()
            got = cpu.render(effect, view).copy()
            assert np.abs(got.astype(int) - want).max() <= 2, view
        assert psnr(want, frame) < 30, "the heat must show, or agreeing proves nothing"
        heat = gl_comp.read_state("heatmap")[..., 0]
        assert heat.max() > 0.5 and np.abs(cpu.export_state()["feedback"]["heatmap"] - heat).max() < 1e-3
    finally:
        gl_comp.release()


def test_a_chain_moving_between_paths_keeps_its_heat_clock_and_blink(ctx, specs):
    """export_state/import_state, both ways: the compositor taking over renders what the other would have."""
    size = (320, 180)
    frame = DemoSource(size).read().copy()
    spec = specs["heatmap"]
    effect = [(spec, spec.defaults())]
    gl_a, gl_b = Compositor(ctx, size, ROOT / "shaders"), Compositor(ctx, size, ROOT / "shaders")
    cpu = CpuCompositor(size, ROOT / "shaders")
    try:
        for comp in (gl_a, gl_b):
            comp.load(spec)
            comp.upload(frame)
        cpu.upload(frame)
        views = list(_heat_views(80))
        for view in views[:50]:  # gl_a all along; gl_b and the twins take turns: 25 frames each
            gl_a.render(effect, view)
            (gl_b if views.index(view) < 25 else cpu).render(effect, view)
            if views.index(view) == 24:
                cpu.import_state(gl_b.export_state())
        gl_b.import_state(cpu.export_state())
        for view in views[50:]:
            want, got = gl_a.render(effect, view).copy(), gl_b.render(effect, view).copy()
            assert np.abs(got.astype(int) - want).max() <= 2
        assert gl_b.gaze_held == gl_a.gaze_held and gl_b._last_time == gl_a._last_time
        assert np.abs(gl_b.read_state("heatmap") - gl_a.read_state("heatmap")).max() < 1e-3
        # without the hand-over the heat would be gone: a fresh twin shows none
        fresh = CpuCompositor(size, ROOT / "shaders")
        fresh.upload(frame)
        assert np.abs(fresh.render(effect, views[-1]).astype(int) - want).max() > 20
    finally:
        gl_a.release()
        gl_b.release()


def test_the_irregular_scotoma_outline_is_fbm_of_the_direction():
    """The outline table, read through the diamond angle, against fbm() at the direction's own point."""
    twin = CpuScotoma((640, 360))
    angles = np.linspace(-np.pi, np.pi, 37, dtype=np.float64)
    dx, dy = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    got = np.empty((1, len(angles)), np.float32)
    for i in range(len(angles)):  # one pixel at a time: the box is separable, a ring of directions is not
        twin._outline(got[:, i:i + 1], dx[i:i + 1] * 100, dy[i:i + 1] * 100)
    want = fbm(dx * np.float32(1.7) + np.float32(3), dy * np.float32(1.7) + np.float32(3))
    assert np.abs(got[0] - want).max() < 2e-4
    assert np.ptp(want) > 0.2  # the outline is ragged: the radius changes with the direction


def test_the_scotoma_fill_is_the_shaders_value_noise():
    """value_noise() against lib/noise.glsl's hash worked out one float32 scalar at a time (the hash
    multiplies rounding errors by about 2000: float64 arithmetic gives other values, as a GPU would not)."""
    f = np.float32

    def hash21(x, y):
        x, y = f(x) * f(123.34), f(y) * f(456.21)
        x, y = x - np.floor(x), y - np.floor(y)
        d = x * (x + f(45.32)) + y * (y + f(45.32))
        q = (x + d) * (y + d)
        return q - np.floor(q)
    px, py = np.array([0.0, 3.0, 2.5, -1.25], np.float32), np.array([0.0, 7.0, 4.5, 0.75], np.float32)
    got = value_noise(px, py)
    # at lattice points the noise is the hash; between them, the smoothstep blend of four hashes
    assert got[0] == pytest.approx(hash21(0.0, 0.0), abs=1e-4) and got[1] == pytest.approx(hash21(3.0, 7.0), abs=1e-4)
    mid = np.mean([hash21(2.0 + i, 4.0 + j) for i in (0, 1) for j in (0, 1)])
    assert got[2] == pytest.approx(mid, abs=1e-4)
    assert 0.0 <= got.min() and got.max() <= 1.0


def test_an_empty_chain_returns_the_uploaded_frame():
    cpu = CpuCompositor((320, 180), ROOT / "shaders")
    frame = detail_frame(320, 180)
    cpu.upload(frame)
    assert cpu.render([], View()) is frame
    with pytest.raises(ValueError, match="uint8 180x320x4"):
        cpu.upload(frame[..., :3])


def test_the_channel_hands_the_heat_over_when_its_chain_changes_path(ctx, specs):
    """pipeline.channel._Renderers: the twins render a heatmap; an edit of the shader moves it to GL,
    which starts from the twins' heat instead of an empty (or stale) state."""
    from pipeline.channel import _Renderers

    size = (320, 180)
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    stock = specs["heatmap"]
    edited = stock.__class__(**{**vars(stock), "source": stock.source + "\n// edited\n"})
    try:
        gl_comp.load(stock)
        renderers = _Renderers(gl_comp, cpu)
        renderers.new_frame(DemoSource(size).read().copy())
        heat = [(stock, stock.defaults())]
        for view in _heat_views(40):
            path, runs = renderers.plan(heat)
            renderers.upload(runs[0][0])
            runs[0][0].render(heat, view)
        assert path == "cpu"
        warm = cpu.export_state()["feedback"]["heatmap"]
        assert warm.max() > 0.5 and gl_comp.read_state("heatmap").max() == 0.0  # GL has not rendered yet
        gl_comp.load(edited)  # a live edit: the state stays with the effect's name
        path, runs = renderers.plan([(edited, edited.defaults())])
        assert path == "gl" and runs == [(gl_comp, [(edited, edited.defaults())])]
        assert np.abs(gl_comp.read_state("heatmap")[..., 0] - warm).max() == 0.0
        assert gl_comp.gaze_held == cpu.gaze_held and gl_comp._last_time == cpu.last_time
    finally:
        gl_comp.release()


def test_a_chain_mixing_twinned_and_custom_effects_renders_in_runs(ctx, specs, tmp_path):
    """foveate (twin), tint (GL only), spotlight (twin): three runs, each the next one's input; the
    result is the all-GL rendering of the chain (up to the foveate twin's tolerance)."""
    from pipeline.channel import _Renderers

    size = (320, 180)
    (tmp_path / "tint.glsl").write_text(TINT)
    tint = parse_effect(tmp_path / "tint.glsl")
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    reference = Compositor(ctx, size, ROOT / "shaders")
    effects = [(specs["foveate"], specs["foveate"].defaults()), (tint, {"amount": 0.4}),
               (specs["spotlight"], specs["spotlight"].defaults())]
    try:
        for comp in (gl_comp, reference):
            for spec in (specs["foveate"], tint, specs["spotlight"]):
                comp.load(spec)
        frame = DemoSource(size).read().copy()
        renderers = _Renderers(gl_comp, cpu)
        renderers.new_frame(frame)
        path, runs = renderers.plan(effects)
        assert path == "mixed" and [(c, [s.name for s, _ in e]) for c, e in runs] == [
            (cpu, ["foveate"]), (gl_comp, ["tint"]), (cpu, ["spotlight"])]
        view = View(gaze=(0.3, 0.6))
        out = None
        for comp, run in runs:
            renderers.upload(comp, out)
            out = comp.render(run, view)
        reference.upload(frame)
        want = reference.render(effects, view)
        assert psnr(out, want) > 38 and psnr(want, frame) < 30
        out = out.copy()
        assert renderers._held[id(gl_comp)] is None  # GL holds a run's output, not the source frame
        renderers.upload(cpu)  # the source frame again: the twins' own runs were handed GL's output
        untinted = cpu.render([effects[0], effects[2]], view)
        fovea = (slice(100, 116), slice(88, 104))  # round the gaze, where the spotlight leaves colour alone
        assert out[fovea][..., 0].mean() > untinted[fovea][..., 0].mean() + 30  # the tint ran, between the twins
    finally:
        gl_comp.release()
        reference.release()


def test_heat_builds_up_behind_a_gl_run_as_it_does_all_through_gl(ctx, specs, tmp_path):
    """foveate (twin), tint (GL), heatmap (twin): the twins render twice per frame, and the heatmap's
    step is still the frame's, not 0 for the second render of the same frame."""
    from pipeline.channel import _Renderers

    size = (320, 180)
    (tmp_path / "tint.glsl").write_text(TINT)
    tint = parse_effect(tmp_path / "tint.glsl")
    heat_spec = specs["heatmap"]
    effects = [(specs["foveate"], specs["foveate"].defaults()), (tint, {"amount": 0.2}),
               (heat_spec, heat_spec.defaults())]
    gl_comp, cpu = Compositor(ctx, size, ROOT / "shaders"), CpuCompositor(size, ROOT / "shaders")
    reference = Compositor(ctx, size, ROOT / "shaders")
    try:
        for comp in (gl_comp, reference):
            for spec in (specs["foveate"], tint, heat_spec):
                comp.load(spec)
        frame = DemoSource(size).read().copy()
        reference.upload(frame)
        renderers = _Renderers(gl_comp, cpu)
        renderers.new_frame(frame)
        for view in _heat_views(45):
            _, runs = renderers.plan(effects)
            out = None
            for comp, run in runs:
                renderers.upload(comp, out)
                out = comp.render(run, view)
            want = reference.render(effects, view)
        assert [c for c, _ in runs] == [cpu, gl_comp, cpu]
        heat = reference.read_state("heatmap")[..., 0]
        assert heat.max() > 0.5 and np.abs(cpu.export_state()["feedback"]["heatmap"] - heat).max() < 1e-3
        assert psnr(out, want) > 38
    finally:
        gl_comp.release()
        reference.release()
