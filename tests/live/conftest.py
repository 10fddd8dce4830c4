"""One real server per module: eventlet, a detailed still image as content, small frames."""
import cv2
import pytest

from tests.conftest import detail_frame
from tests.support import Server


@pytest.fixture(scope="module")
def detail_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("content") / "detail.png"
    cv2.imwrite(str(path), cv2.cvtColor(detail_frame(640, 360), cv2.COLOR_RGBA2BGR))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, detail_png):
    logs = tmp_path_factory.mktemp("logs")
    s = Server("--source", str(detail_png), "--size", "640x360", log_path=logs / "server.log")
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def collect_garbage():
    """Collect after each test, so a leaked socket is reported against the test that leaked it."""
    yield
    import gc
    gc.collect()
