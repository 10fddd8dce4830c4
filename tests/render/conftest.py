"""The one place tests create GL contexts; every test checks the context has no GL error."""
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
