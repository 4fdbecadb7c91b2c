"""Tests for cnnlesson.datasets: the real digits file and the generated shapes."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import datasets
from cnnlesson.datasets import (
    DIGIT_CLASSES,
    DIGITS_PATH,
    DIGITS_SHA256,
    SHAPE_CLASSES,
    load_digits,
    make_shapes,
)

RESTORE = re.escape("git checkout -- data/digits.npz")
REGENERATE = re.escape("python data/make_digits.py")


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def raw_digits():
    with np.load(DIGITS_PATH, allow_pickle=False) as npz:
        return npz["images"], npz["labels"]


# ----------------------------------------------------------------------------- digits


def test_digit_classes():
    assert DIGIT_CLASSES == tuple(str(d) for d in range(10))


def test_digits_file_format(raw_digits):
    images, labels = raw_digits
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.uint8
    assert np.array_equal(np.bincount(labels), np.full(10, 500))
    assert images.max() == 255 and images.min() == 0


def test_load_digits_shapes_dtypes_range(digits):
    (X_train, y_train), (X_test, y_test) = digits
    assert X_train.shape == (4000, 1, 26, 26) and X_test.shape == (1000, 1, 26, 26)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
        # Real pixels, only rescaled: every value is a multiple of 1/255.
        assert np.array_equal(np.round(X * 255), X * np.float32(255))


def test_load_digits_split_is_stratified_and_disjoint(digits):
    (X_train, y_train), (X_test, y_test) = digits
    assert np.array_equal(np.bincount(y_train, minlength=10), np.full(10, 400))
    assert np.array_equal(np.bincount(y_test, minlength=10), np.full(10, 100))
    train = {x.tobytes() for x in X_train}
    test = {x.tobytes() for x in X_test}
    assert len(train) == 4000 and len(test) == 1000  # no duplicate images
    assert not train & test
    # Shuffled, not grouped by class.
    assert len(set(y_train[:40].tolist())) > 5 and len(set(y_test[:40].tolist())) > 5


def test_load_digits_is_exactly_the_cropped_file(digits, raw_digits):
    (X_train, y_train), (X_test, y_test) = digits
    images, labels = raw_digits
    cropped = datasets._crop_digits(images)
    got = np.concatenate([X_train, X_test])[:, 0]
    got_y = np.concatenate([y_train, y_test])
    order_got = np.lexsort(np.round(got * 255).reshape(len(got), -1).T)
    order_raw = np.lexsort(cropped.reshape(len(cropped), -1).T)
    assert np.array_equal(np.round(got[order_got] * 255), cropped[order_raw])
    assert np.array_equal(got_y[order_got], labels[order_raw])


def test_crop_never_cuts_ink(raw_digits):
    images, _ = raw_digits
    cropped = datasets._crop_digits(images)
    assert cropped.shape == (5000, 26, 26)
    # All the ink of every digit survives the crop.
    assert np.array_equal(cropped.sum(axis=(1, 2), dtype=np.int64),
                          images.sum(axis=(1, 2), dtype=np.int64))
    # Digits with an empty outer ring get exactly the central window: the cropped
    # border was all zeros for them.
    ring = np.ones((28, 28), bool)
    ring[1:-1, 1:-1] = False
    touching = images[:, ring].any(axis=1)
    assert int(touching.sum()) == 83  # the number stated in data/README.md
    assert np.array_equal(cropped[~touching], images[~touching, 1:-1, 1:-1])
    # The others are shifted by one pixel at most, with the shifted-out lines empty.
    for img, crop in zip(images[touching], cropped[touching], strict=True):
        matches = [(r, c) for r in range(3) for c in range(3)
                   if np.array_equal(img[r:r + 26, c:c + 26], crop)]
        assert matches and all(max(abs(r - 1), abs(c - 1)) == 1 for r, c in matches)


def test_crop_offsets_on_synthetic_images():
    images = np.zeros((4, 28, 28), np.uint8)
    images[0, 10, 10] = 1      # centred: offsets (1, 1)
    images[1, 27, 5] = 2       # ink on the bottom row: window moves down
    images[2, 8, 0] = 3        # ink on the left column: window moves left
    images[3] = 0              # empty image: centred
    cropped = datasets._crop_digits(images)
    assert cropped[0, 9, 9] == 1
    assert cropped[1, 25, 4] == 2
    assert cropped[2, 7, 0] == 3
    assert cropped[3].sum() == 0


def test_load_digits_is_deterministic_and_returns_copies():
    (a_train, a_ytrain), (a_test, a_ytest) = load_digits()
    a_train[:] = -1.0
    a_ytrain[:] = -1
    (b_train, b_ytrain), (b_test, b_ytest) = load_digits()
    assert b_train.min() == 0.0 and b_ytrain.min() == 0  # the cache was not modified
    assert b_train.flags.writeable and not np.shares_memory(a_train, b_train)
    (c_train, c_ytrain), (c_test, c_ytest) = load_digits()
    assert np.array_equal(b_train, c_train) and np.array_equal(b_ytrain, c_ytrain)
    assert np.array_equal(b_test, c_test) and np.array_equal(b_ytest, c_ytest)
    assert np.array_equal(a_test, c_test) and np.array_equal(a_ytest, c_ytest)


def test_load_digits_from_explicit_path(tmp_path, digits):
    copy = tmp_path / "copy.npz"
    shutil.copyfile(DIGITS_PATH, copy)
    for p in (copy, str(copy)):
        (X_train, y_train), (X_test, y_test) = load_digits(path=p)
        assert np.array_equal(X_train, digits[0][0]) and np.array_equal(y_test, digits[1][1])


def test_default_path_is_repo_data_folder():
    assert DIGITS_PATH.name == "digits.npz" and DIGITS_PATH.parent.name == "data"
    assert DIGITS_PATH.parent.parent == datasets.Path(datasets.__file__).resolve().parents[1]
    assert DIGITS_PATH.is_file()


def _damaged_copy(tmp_path, mutate):
    data = bytearray(DIGITS_PATH.read_bytes())
    path = tmp_path / "digits.npz"
    path.write_bytes(bytes(mutate(data)))
    return path


def _flip_middle_byte(data):
    data[len(data) // 2] ^= 0xFF
    return data


@pytest.mark.parametrize("mutate", [
    _flip_middle_byte,
    lambda data: data[: len(data) // 2],              # truncated
    lambda data: b"this is not a zip file",            # not a zip
    lambda data: b"",                                  # empty
], ids=["flipped-byte", "truncated", "not-a-zip", "empty"])
def test_damaged_file_gives_clear_error(tmp_path, mutate):
    path = _damaged_copy(tmp_path, mutate)
    with pytest.raises(ValueError, match=r"the digits file .* is damaged") as info:
        load_digits(path=path)
    msg = str(info.value)
    assert str(path) in msg and DIGITS_SHA256 in msg
    assert re.search(RESTORE, msg) and re.search(REGENERATE, msg)


def test_file_changed_after_loading_is_checked_again(tmp_path):
    path = tmp_path / "digits.npz"
    shutil.copyfile(DIGITS_PATH, path)
    load_digits(path=path)
    path.write_bytes(bytes(_flip_middle_byte(bytearray(path.read_bytes()))) + b"x")
    with pytest.raises(ValueError, match="is damaged"):
        load_digits(path=path)


def test_missing_file_gives_clear_error(tmp_path):
    path = tmp_path / "nowhere" / "digits.npz"
    with pytest.raises(FileNotFoundError, match=r"the digits file .* does not exist") as info:
        load_digits(path=path)
    assert str(path) in str(info.value)
    assert re.search(RESTORE, str(info.value)) and re.search(REGENERATE, str(info.value))


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"is not a file. Hint: restore it"):
        load_digits(path=tmp_path)


@pytest.mark.parametrize("bad", [3, ["data/digits.npz"], b"data/digits.npz"])
def test_bad_path_type(bad):
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike .*; got .*Hint"):
        load_digits(path=bad)


# ----------------------------------------------------------------------------- shapes


def test_shape_classes():
    assert len(SHAPE_CLASSES) == 10 and len(set(SHAPE_CLASSES)) == 10
    assert SHAPE_CLASSES[:2] == ("disc", "ring")


def test_make_shapes_output():
    X, y = make_shapes(60, seed=3)
    assert X.shape == (60, 3, 26, 26) and X.dtype == np.float32
    assert y.shape == (60,) and y.dtype == np.int64
    assert np.isfinite(X).all() and X.min() >= 0.0 and X.max() <= 1.0
    assert np.array_equal(np.bincount(y, minlength=10), np.full(10, 6))
    assert not np.array_equal(y, np.sort(y))  # shuffled


@pytest.mark.parametrize("n", [1, 7, 23, 99])
def test_make_shapes_balance_when_n_not_divisible_by_10(n):
    _, y = make_shapes(n, seed=0)
    expected = [n // 10 + (k < n % 10) for k in range(10)]
    assert np.bincount(y, minlength=10).tolist() == expected


def test_make_shapes_is_deterministic_and_independent_of_global_state():
    # The legacy global generator is used on purpose: make_shapes must ignore it.
    np.random.seed(1)  # noqa: NPY002
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    X1, y1 = make_shapes(40, seed=5)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    np.random.seed(99)  # noqa: NPY002
    X2, y2 = make_shapes(40, seed=5)
    assert X1.tobytes() == X2.tobytes() and y1.tobytes() == y2.tobytes()
    X3, y3 = make_shapes(40, seed=6)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("size", [16, 26, 41])
def test_make_shapes_sizes(size):
    X, y = make_shapes(30, size=size, seed=0)
    assert X.shape == (30, 3, size, size)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 30), size=st.integers(16, 48), seed=st.integers(0, 2**32))
def test_make_shapes_properties(n, size, seed):
    X, y, masks, fg, bg = datasets._sample_shapes(n, size, seed)
    assert X.shape == (n, 3, size, size) and X.dtype == np.float32
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert np.bincount(y, minlength=10).max() - np.bincount(y, minlength=10).min() <= 1
    # Each shape lies fully inside the image with a 1-pixel background margin ...
    assert masks[:, 0].max() == 0 and masks[:, -1].max() == 0
    assert masks[:, :, 0].max() == 0 and masks[:, :, -1].max() == 0
    # ... is clearly visible, and stands out from the background in brightness.
    assert masks.sum(axis=(1, 2)).min() > 0.01 * size * size
    lum = datasets._luminance
    assert np.all(np.abs(lum(fg) - lum(bg)) >= 0.3 - 1e-12)
    X2, y2 = make_shapes(n, size=size, seed=seed)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_shape_extents_are_about_8_to_20_pixels():
    _, y, masks, _, _ = datasets._sample_shapes(1000, 26, 0)
    ink = masks > 0.5
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    first_last = lambda a: a.shape[1] - np.argmax(a[:, ::-1], 1) - np.argmax(a, 1)  # noqa: E731
    extent = np.maximum(first_last(rows), first_last(cols))
    assert extent.min() >= 6 and extent.max() <= 24
    for k in range(10):
        e = extent[y == k]
        assert e.min() <= 10 and e.max() >= 16, SHAPE_CLASSES[k]


def test_colour_does_not_identify_the_class():
    X, y, _, fg, bg = datasets._sample_shapes(2000, 26, 0)
    class_fg = np.stack([fg[y == k].mean(axis=0) for k in range(10)])
    class_img = np.stack([X[y == k].mean(axis=(0, 2, 3)) for k in range(10)])
    for k in range(10):
        assert fg[y == k].std(axis=0).min() > 0.2   # colours vary within the class
        assert bg[y == k].std(axis=0).min() > 0.2
    assert np.ptp(class_fg, axis=0).max() < 0.12     # and on average look alike
    assert np.ptp(class_img, axis=0).max() < 0.08


def _canonical_masks(size=26):
    labels = np.arange(10)
    extent, thick = np.full(10, 16.0), np.full(10, 3.0)
    angle, _ = datasets._shape_geometry(labels, extent, thick, np.zeros(10))
    centre = np.full(10, (size - 1) / 2)
    return datasets._render_masks(labels, centre, centre, extent, thick, angle, size)


def test_canonical_shapes_look_like_their_names():
    m = _canonical_masks() > 0.5
    c = 12  # centre pixel (12.5 is between pixels 12 and 13)
    disc, ring, square, frame, triangle, plus, hbar, vbar, down, up = m
    assert disc[c, c] and not ring[c, c] and square[c, c] and not frame[c, c]
    assert square[5, 5] and not disc[5, 5]                  # corners only on the square
    assert frame[5, 5] and frame[5, 12] and not frame[8, 12]
    assert ring[12, 5] and not ring[12, 8]
    assert triangle[16, 6] and triangle[6, 12] and not triangle[6, 8]   # apex up
    assert not triangle[18, 12] and not triangle[4, 12]
    assert plus[c, 5] and plus[5, c] and not plus[5, 5]
    assert hbar[c, 5] and hbar[c, 20] and not hbar[5, c]
    assert vbar[5, c] and vbar[20, c] and not vbar[c, 5]
    assert down[7, 7] and down[18, 18] and not down[7, 18]  # "\": top left to bottom right
    assert up[18, 7] and up[7, 18] and not up[7, 7]         # "/": bottom left to top right


def test_class_masks_differ():
    canonical = _canonical_masks()
    diff = np.abs(canonical[:, None] - canonical[None]).sum(axis=(2, 3))
    off_diagonal = diff[~np.eye(10, dtype=bool)]
    assert off_diagonal.min() > 30  # pixels
    _, y, masks, _, _ = datasets._sample_shapes(2000, 26, 1)
    mean = np.stack([masks[y == k].mean(axis=0) for k in range(10)])
    diff = np.abs(mean[:, None] - mean[None]).sum(axis=(2, 3))
    assert diff[~np.eye(10, dtype=bool)].min() > 5


@pytest.mark.parametrize(("kwargs", "exc", "pattern"), [
    ({"n": 0}, ValueError, r"n must be a positive integer \(>= 1\); got 0\. Hint"),
    ({"n": -5}, ValueError, r"n must be a positive integer \(>= 1\); got -5"),
    ({"n": 2.5}, TypeError, r"n must be a positive integer; got float 2\.5"),
    ({"n": True}, TypeError, r"n must be a positive integer; got bool"),
    ({"n": 10, "size": 12}, ValueError, r"size must be at least 16; got 12\. Hint: .*26"),
    ({"n": 10, "size": 0}, ValueError, r"size must be a positive integer \(>= 1\); got 0"),
    ({"n": 10, "size": "26"}, TypeError, r"size must be a positive integer; got str"),
    ({"n": 10, "seed": -1}, ValueError, r"seed must be a non-negative integer \(>= 0\); got -1"),
    ({"n": 10, "seed": None}, TypeError, r"seed must be a non-negative integer; got NoneType"),
    ({"n": 10, "seed": 1.0}, TypeError, r"seed must be a non-negative integer; got float"),
])
def test_make_shapes_bad_arguments(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make_shapes(**kwargs)


def test_make_shapes_size_and_seed_are_keyword_only():
    with pytest.raises(TypeError):
        make_shapes(10, 26)


def test_make_shapes_accepts_numpy_integers():
    X, y = make_shapes(np.int64(20), size=np.int32(20), seed=np.uint8(3))
    assert X.shape == (20, 3, 20, 20)
