"""Effect specs come from the shader annotations and validate parameter values."""
import math

import pytest

from config import ROOT
from render.effects import ParamError, load_effects, parse_effect


def test_foveate_spec_lists_its_parameters():
    spec = load_effects(ROOT / "shaders")["foveate"]
    names = [p.name for p in spec.params]
    assert names == ["radius", "strength", "falloff", "contrast"]
    for p in spec.params:
        assert p.min <= p.default <= p.max and p.description


def test_custom_annotations_are_parsed(tmp_path):
    f = tmp_path / "tint.glsl"
    f.write_text("// @effect tint\n// @description Tint it\nuniform float amount; // @param min=0 max=2 default=1 | How much\n"
                 "uniform bool invert; // @param default=0 | Invert\nuniform int steps; // @param min=1 max=8 default=4 | Steps\n")
    spec = parse_effect(f)
    assert spec.name == "tint" and spec.description == "Tint it"
    assert spec.defaults() == {"amount": 1.0, "invert": False, "steps": 4.0}
    assert spec.param("steps").coerce(3.4) == 3
    assert spec.param("invert").coerce(True) is True


def test_a_shader_without_effect_header_is_not_an_effect(tmp_path):
    f = tmp_path / "helper.glsl"
    f.write_text("float helper() { return 1.0; }\n")
    assert parse_effect(f) is None


@pytest.mark.parametrize("value,code", [("a", "bad_type"), (math.nan, "not_finite"), (math.inf, "not_finite"),
                                        (9.0, "out_of_range"), (-1, "out_of_range"), (True, "bad_type"),
                                        (None, "bad_type")])
def test_bad_values_are_refused_with_a_code(value, code):
    p = load_effects(ROOT / "shaders")["foveate"].param("radius")
    with pytest.raises(ParamError) as err:
        p.coerce(value)
    assert err.value.code == code


def test_unknown_parameter_is_refused():
    with pytest.raises(ParamError) as err:
        load_effects(ROOT / "shaders")["foveate"].param("nope")
    assert err.value.code == "unknown_param"
