"""The scotoma hides the field at the gaze (or around it), fades by opacity, and holds still through blinks."""
import numpy as np

from render.compositor import View
from tests.render.frames import detail, patch, source

A, B = (0.25, 0.5), (0.75, 0.5)


def test_the_field_at_the_gaze_is_lost_and_the_rest_untouched(run):
    out = run("scotoma", View(gaze=A), opacity=1.0)
    assert detail(patch(out, *A)) < 0.15 * detail(patch(source(), *A))
    assert abs(patch(out, *A).mean() - 0.42 * 255) < 15  # a grey smudge, not black
    assert np.array_equal(patch(out, *B), patch(source(), *B))


def test_opacity_lets_part_of_the_field_through(run):
    values = [detail(patch(run("scotoma", View(gaze=A), opacity=o), *A)) for o in (0.0, 0.5, 1.0)]
    assert values[0] == detail(patch(source(), *A))
    assert 0.35 * values[0] < values[1] < 0.65 * values[0]
    assert values[2] < 0.15 * values[0]


def test_size_sets_how_much_is_lost(run):
    off = (A[0] + 0.15 * 180 / 320, A[1])  # 0.15 of the height to the right of the gaze
    small = run("scotoma", View(gaze=A), size=0.08, softness=0.0)
    large = run("scotoma", View(gaze=A), size=0.3, softness=0.0)
    assert np.array_equal(patch(small, *off, half=3), patch(source(), *off, half=3))
    assert detail(patch(large, *off, half=3)) < 0.2 * detail(patch(source(), *off, half=3))


def test_peripheral_mode_keeps_the_centre_and_loses_the_rest(run):
    out = run("scotoma", View(gaze=A), peripheral=True, opacity=1.0, size=0.2)
    assert np.array_equal(patch(out, *A), patch(source(), *A))
    assert detail(patch(out, *B)) < 0.15 * detail(patch(source(), *B))


def test_ring_spares_the_centre(run):
    out = run("scotoma", View(gaze=(0.5, 0.5)), shape=1, size=0.3, softness=0.0, opacity=1.0)
    assert np.array_equal(patch(out, 0.5, 0.5, half=4), patch(source(), 0.5, 0.5, half=4))
    ring = (0.5 + 0.22 * 180 / 320, 0.5)  # between 0.15 and 0.3 of the height from the gaze
    assert detail(patch(out, *ring, half=3)) < 0.15 * detail(patch(source(), *ring, half=3))


def test_irregular_shape_differs_from_the_circle(run):
    circle = run("scotoma", View(gaze=(0.5, 0.5)), shape=0, size=0.3)
    ragged = run("scotoma", View(gaze=(0.5, 0.5)), shape=2, size=0.3)
    changed = np.abs(circle - ragged).max(-1) > 30
    assert 0.01 < changed.mean() < 0.5


def test_a_blink_freezes_the_scotoma_where_it_was(run):
    run("scotoma", View(gaze=A, blink=False), opacity=1.0)
    out = run("scotoma", View(gaze=B, blink=True), opacity=1.0)
    assert detail(patch(out, *A)) < 0.15 * detail(patch(source(), *A))
    assert np.array_equal(patch(out, *B), patch(source(), *B))
    after = run("scotoma", View(gaze=B, blink=False), opacity=1.0)
    assert detail(patch(after, *B)) < 0.15 * detail(patch(source(), *B))


def test_without_freeze_the_scotoma_follows_the_gaze_through_a_blink(run):
    run("scotoma", View(gaze=A, blink=False), opacity=1.0, freeze_on_blink=False)
    out = run("scotoma", View(gaze=B, blink=True), opacity=1.0, freeze_on_blink=False)
    assert np.array_equal(patch(out, *A), patch(source(), *A))
    assert detail(patch(out, *B)) < 0.15 * detail(patch(source(), *B))
