"""A broken shader raises ShaderError at its own file and line, and the last good program keeps rendering."""
import shutil

import numpy as np
import pytest

from config import ROOT
from render.compositor import Compositor, ShaderError, View
from render.effects import parse_effect
from tests.conftest import detail_frame

GOOD = """// @effect tint
// @description Tint the frame
#include "common.glsl"
#if defined FRAGMENT_SHADER
uniform float amount; // @param min=0 max=1 default=0.5 | How much
void main() {
    f_color = vec4(texture(u_src, v_uv).rgb * vec3(1.0, 1.0 - amount, 1.0 - amount), 1.0);
}
#endif
"""


@pytest.fixture
def shaders(tmp_path):
    """A shader folder of our own: the real lib plus one custom effect."""
    shutil.copytree(ROOT / "shaders" / "lib", tmp_path / "lib")
    (tmp_path / "tint.glsl").write_text(GOOD)
    return tmp_path


@pytest.fixture
def tint_comp(ctx, shaders):
    c = Compositor(ctx, (64, 36), shaders)
    c.upload(detail_frame(64, 36))
    c.load(parse_effect(shaders / "tint.glsl"))
    yield c
    c.release()


def render(comp, shaders):
    spec = parse_effect(shaders / "tint.glsl")
    return comp.render([(spec, {"amount": 0.5})], View()).copy()


def load_broken(comp, shaders, text):
    (shaders / "tint.glsl").write_text(text)
    with pytest.raises(ShaderError) as err:
        comp.load(parse_effect(shaders / "tint.glsl"))
    return err.value


def test_an_undeclared_name_is_reported_at_its_line(tint_comp, shaders):
    err = load_broken(tint_comp, shaders, GOOD.replace("texture(u_src, v_uv).rgb", "texture(u_src, v_uv).rgb * nope"))
    assert (err.effect, err.path, err.line) == ("tint", str(shaders / "tint.glsl"), 7)
    assert "nope" in err.message and "tint.glsl:7" in str(err)


def test_a_syntax_error_is_reported_at_the_line_of_the_bad_token(tint_comp, shaders):
    err = load_broken(tint_comp, shaders, GOOD.replace(", 1.0);\n}", ", 1.0)\n}"))
    assert err.line == 8 and "syntax error" in err.message  # Mesa stops at the `}` after the missing `;`


def test_an_error_in_an_included_file_names_that_file(tint_comp, shaders):
    (shaders / "lib" / "broken.glsl").write_text("// helper\nfloat helper() {\n    return 1.0 + missing;\n}\n")
    err = load_broken(tint_comp, shaders, GOOD.replace("uniform float amount;", '#include "broken.glsl"\nuniform float amount;'))
    assert (err.path, err.line) == (str(shaders / "lib" / "broken.glsl"), 3)


def test_lines_after_an_include_keep_their_numbers(tint_comp, shaders):
    text = GOOD.replace("uniform float amount;", '#include "noise.glsl"\nuniform float amount;')
    err = load_broken(tint_comp, shaders, text.replace("1.0 - amount, 1.0 - amount", "1.0 - amount, 1.0 - amont"))
    assert err.line == 8


def test_the_previous_program_keeps_rendering(tint_comp, shaders):
    before = render(tint_comp, shaders)
    assert before[..., 1].mean() < 0.6 * before[..., 0].mean()  # the good tint is on
    load_broken(tint_comp, shaders, GOOD.replace("void main", "void mian"))
    assert np.array_equal(render(tint_comp, shaders), before)
