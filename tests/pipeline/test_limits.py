"""Limits that need no server: the JPEG header reader, the token bucket, image and output size checks."""
import cv2
import numpy as np
import pytest
import simplejpeg

from pipeline.errors import RequestError
from pipeline.jpeghead import jpeg_dimensions
from pipeline.limits import TokenBucket, check_frame_image, check_output_size
from tests.abuse.storms import bomb_jpeg


def encoded(width, height, progressive=False):
    img = np.random.default_rng(0).integers(0, 255, (height, width, 3), np.uint8)
    if progressive:
        return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    return simplejpeg.encode_jpeg(img)


@pytest.mark.parametrize("width,height,progressive", [(53, 37, False), (640, 480, False), (33, 65, True)])
def test_the_header_gives_the_size_the_decoder_gives(width, height, progressive):
    data = encoded(width, height, progressive)
    assert jpeg_dimensions(data) == (width, height)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape[:2] == (height, width)


def test_a_bomb_is_read_as_what_it_claims():
    assert jpeg_dimensions(bomb_jpeg(20000, 20000)) == (20000, 20000)
    assert jpeg_dimensions(bomb_jpeg(65000, 65000)) == (65000, 65000)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"GIF89a....", b"\xff\xd8\xff\xd9", b"\xff\xd8garbage\xff\xd9",
                                  b"\xff\xd8\xff\xda\x00\x08scan", b"\xff\xd8\xff\xe0\x00\x01"])
def test_anything_without_a_frame_header_is_not_a_jpeg(data):
    with pytest.raises(ValueError):
        jpeg_dimensions(data)


def test_a_truncated_header_is_not_a_jpeg():
    data = encoded(64, 48)
    sof = data.index(b"\xff\xc0")
    with pytest.raises(ValueError):
        jpeg_dimensions(data[:sof + 5])


def test_frame_pixels_are_checked_at_both_ends():
    assert check_frame_image(encoded(40, 30), 40 * 30) == (40, 30)  # exactly the limit
    with pytest.raises(RequestError) as err:
        check_frame_image(encoded(40, 30), 40 * 30 - 1)
    assert err.value.code == "image_too_large"
    with pytest.raises(RequestError) as err:
        check_frame_image(bomb_jpeg(20000, 20000), 1920 * 1080)
    assert err.value.code == "image_too_large" and "20000x20000" in str(err.value)
    with pytest.raises(RequestError) as err:
        check_frame_image(b"\xff\xd8garbage", 1920 * 1080)
    assert err.value.code == "bad_image"


@pytest.mark.parametrize("size", [[64, 64], [3840, 64], [64, 2160], [1280, 720], [640, 360]])
def test_output_sizes_within_the_bounds_are_taken(size):
    assert check_output_size(size, 3840 * 2160) == tuple(size)


@pytest.mark.parametrize("size,code", [([62, 64], "bad_size"), ([64, 62], "bad_size"), ([3842, 64], "bad_size"),
                                       ([64, 2162], "bad_size"), ([65, 64], "bad_size"), ([True, 64], "bad_size"),
                                       ("big", "bad_size"), ([64], "bad_size"), ([64.0, 64], "bad_size")])
def test_output_sizes_outside_the_bounds_are_refused(size, code):
    with pytest.raises(RequestError) as err:
        check_output_size(size, 3840 * 2160)
    assert err.value.code == code


def test_the_output_pixel_limit_holds_at_both_ends():
    assert check_output_size([640, 360], 640 * 360) == (640, 360)
    with pytest.raises(RequestError) as err:
        check_output_size([642, 360], 640 * 360)
    assert err.value.code == "size_too_large"
    with pytest.raises(RequestError) as err:
        check_output_size([3840, 2160], 1920 * 1080)
    assert err.value.code == "size_too_large"


def test_a_bucket_allows_its_burst_then_its_rate():
    now = [0.0]
    bucket = TokenBucket(10, clock=lambda: now[0])
    assert [bucket.take() for _ in range(11)] == [True] * 10 + [False]
    now[0] += 0.1  # a tenth of a second: one more event
    assert bucket.take() and not bucket.take()
    now[0] += 100.0  # a long pause refills it to the burst, no further
    assert sum(bucket.take() for _ in range(20)) == 10
