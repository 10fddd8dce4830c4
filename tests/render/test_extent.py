"""Running an effect only inside its declared extent changes no pixel."""
import dataclasses

import numpy as np
import pytest

from render.compositor import View

CASES = [
    ("foveate", {}), ("foveate", {"radius": 0.05, "falloff": 0.1}), ("foveate", {"contrast": 1.0}),
    ("foveate", {"strength": 1.5}),
    ("lens", {}), ("lens", {"radius": 0.05, "zoom": 3.0, "softness": 0.05, "rim": 1.0}),
    ("scotoma", {}), ("scotoma", {"shape": 1}), ("scotoma", {"shape": 2, "softness": 0.1}),
    ("scotoma", {"peripheral": True}),
]


@pytest.mark.parametrize("name,params", CASES)
@pytest.mark.parametrize("gaze", [(0.3, 0.45), (0.97, 0.05)])
def test_extent_split_matches_the_full_frame_pass(comp, specs, name, params, gaze):
    spec = specs[name]
    assert spec.extent
    full = dataclasses.replace(spec, extent="")
    chain_params = {**spec.defaults(), **params}
    split = comp.render([(spec, chain_params)], View(gaze=gaze)).copy()
    whole = comp.render([(full, chain_params)], View(gaze=gaze)).copy()
    assert np.array_equal(split, whole)


def test_the_box_covers_the_held_gaze_during_a_blink(comp, specs):
    spec = specs["scotoma"]
    comp.render([(spec, spec.defaults())], View(gaze=(0.2, 0.3)))
    split = comp.render([(spec, spec.defaults())], View(gaze=(0.8, 0.7), blink=True)).copy()
    whole = comp.render([(dataclasses.replace(spec, extent=""), spec.defaults())],
                        View(gaze=(0.8, 0.7), blink=True)).copy()
    assert np.array_equal(split, whole)


def test_a_bad_extent_is_refused(tmp_path):
    from render.effects import parse_effect
    f = tmp_path / "x.glsl"
    f.write_text("// @effect x\n// @extent __import__('os')\n")
    with pytest.raises(ValueError, match="extent"):
        parse_effect(f)
