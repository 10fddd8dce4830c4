"""The one place tests create GL contexts; every test checks the context has no GL error."""
import numpy as np
import pytest

from render import gl


@pytest.fixture(scope="session")
def ctx():
    context = gl.create_context()
    yield context
    context.release()


@pytest.fixture(autouse=True)
def no_gl_error(request):
    if "ctx" not in request.fixturenames:
        yield
        return
    context = request.getfixturevalue("ctx")
    assert context.error == "GL_NO_ERROR"
    yield
    assert context.error == "GL_NO_ERROR"


W, H = 320, 180  # small frames keep llvmpipe fast; every effect scales with the frame height


@pytest.fixture(scope="session")
def specs():
    from config import ROOT
    from render.effects import load_effects
    return load_effects(ROOT / "shaders")


@pytest.fixture
def comp(ctx, specs):
    """A compositor with every effect loaded and a detailed frame uploaded."""
    from config import ROOT
    from render.compositor import Compositor
    from tests.conftest import detail_frame
    c = Compositor(ctx, (W, H), ROOT / "shaders")
    for s in specs.values():
        c.load(s)
    c.upload(detail_frame(W, H))
    yield c
    c.release()


@pytest.fixture
def run(comp, specs):
    """Render one effect with its defaults overridden by keyword parameters; return a copy (RGB, float)."""
    from render.compositor import View

    def render(name, view=None, **params):
        spec = specs[name]
        out = comp.render([(spec, {**spec.defaults(), **params})], view or View())
        return out[..., :3].astype(np.float32)
    return render
