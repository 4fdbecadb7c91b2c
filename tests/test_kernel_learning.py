"""Tests for cnnlesson.kernel_learning: a kernel learned by gradient descent."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from cnnlesson import filters, gradcheck
from cnnlesson.kernel_learning import KernelFit, kernel_learning_image, learn_kernel
from cnnlesson.train import Snapshot


@pytest.fixture(scope="module")
def photo():
    return kernel_learning_image(48)


@pytest.fixture
def small():
    rng = np.random.default_rng(3)
    return rng.normal(size=(9, 11))


def _loss(image, kernel, target_kernel):
    diff = filters.correlate2d(image, kernel) - filters.correlate2d(image, target_kernel)
    return float(np.mean(diff**2))


# ---------------------------------------------------------------- convergence


@pytest.mark.parametrize(("name", "target", "seed"), [
    ("laplacian", filters.LAPLACIAN, 0),
    ("sobel_y", filters.SOBEL_Y, 1),
])
def test_converges_to_the_hand_made_kernel_from_a_random_start(photo, name, target, seed):
    fit = learn_kernel(photo, target, steps=4000, lr=0.1, seed=seed, record_every=1000)
    start_error = float(np.max(np.abs(fit.kernels[0] - target)))
    assert start_error > 1.0, "the start must be genuinely far from the target"
    assert fit.error < 1e-3, f"{name}: kernel error {fit.error}"
    np.testing.assert_allclose(fit.kernel, target, atol=1e-3)
    assert fit.losses[-1] < 1e-6 * fit.losses[0]


def test_converges_on_an_unstandardised_image_with_a_suitable_lr():
    gray = kernel_learning_image(32, standardize=False)
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    fit = learn_kernel(gray, filters.SOBEL_Y, steps=6000, lr=0.6, seed=2)
    assert fit.error < 1e-2


# ---------------------------------------------------------------- the update rule


def test_one_step_is_plain_gradient_descent_on_the_mean_squared_error(small):
    rng = np.random.default_rng(0)
    k0 = rng.normal(size=(3, 2))
    target = rng.normal(size=(3, 2))
    lr = 0.05
    fit = learn_kernel(small, target, steps=1, lr=lr, init=k0)
    k = k0.copy()
    numeric = gradcheck.numerical_gradient(lambda kk: _loss(small, kk, target), k)
    np.testing.assert_allclose(fit.kernel, k0 - lr * numeric, rtol=1e-7, atol=1e-9)
    assert fit.losses[0] == pytest.approx(_loss(small, k0, target), rel=1e-12)
    assert fit.losses[1] == pytest.approx(_loss(small, fit.kernel, target), rel=1e-12)
    assert fit.losses[1] < fit.losses[0]


def test_histories_have_one_entry_per_step_and_match_the_recorded_kernels(small):
    fit = learn_kernel(small, filters.SOBEL_X, steps=10, lr=0.02, record_every=3, seed=5)
    assert fit.steps == 10
    assert fit.losses.shape == fit.errors.shape == (11,)
    assert fit.recorded_steps == [0, 3, 6, 9, 10]
    assert len(fit.kernels) == len(fit.outputs) == 5
    np.testing.assert_array_equal(fit.kernels[-1], fit.kernel)
    for step, kernel, out in zip(fit.recorded_steps, fit.kernels, fit.outputs, strict=True):
        again = learn_kernel(small, filters.SOBEL_X, steps=max(step, 1), lr=0.02, seed=5)
        expected = again.kernel if step else again.kernels[0]
        np.testing.assert_allclose(kernel, expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out, filters.correlate2d(small, kernel), atol=1e-12)
        assert fit.losses[step] == pytest.approx(_loss(small, kernel, filters.SOBEL_X))
        assert fit.errors[step] == pytest.approx(np.max(np.abs(kernel - filters.SOBEL_X)))
    np.testing.assert_allclose(fit.target, filters.correlate2d(small, filters.SOBEL_X))


def test_record_at_keeps_chosen_steps_plus_first_and_last(small):
    fit = learn_kernel(small, filters.LAPLACIAN, steps=20, lr=0.01, record_at=[5, 2, 5])
    assert fit.recorded_steps == [0, 2, 5, 20]
    fit = learn_kernel(small, filters.LAPLACIAN, steps=20, lr=0.01,
                       record_at=np.array([1, 20]))
    assert fit.recorded_steps == [0, 1, 20]


def test_default_recording_keeps_about_fifty_kernels(small):
    fit = learn_kernel(small, filters.LAPLACIAN, steps=500, lr=0.01)
    assert fit.recorded_steps[:3] == [0, 10, 20] and fit.recorded_steps[-1] == 500
    assert len(fit.kernels) == 51


def test_seed_and_init(small):
    a = learn_kernel(small, filters.LAPLACIAN, steps=3, lr=0.01, seed=7)
    b = learn_kernel(small, filters.LAPLACIAN, steps=3, lr=0.01, seed=7)
    c = learn_kernel(small, filters.LAPLACIAN, steps=3, lr=0.01, seed=8)
    np.testing.assert_array_equal(a.kernel, b.kernel)
    assert not np.allclose(a.kernels[0], c.kernels[0])
    init = np.arange(9.0).reshape(3, 3) / 10
    keep = init.copy()
    d = learn_kernel(small, filters.LAPLACIAN, steps=3, lr=0.01, init=init, seed=1)
    np.testing.assert_array_equal(init, keep)
    np.testing.assert_array_equal(d.kernels[0], init)
    e = learn_kernel(small, filters.LAPLACIAN, steps=3, lr=0.01, init=init.tolist())
    np.testing.assert_array_equal(d.kernel, e.kernel)


def test_starting_at_the_answer_stays_there(small):
    fit = learn_kernel(small, filters.SOBEL_Y, steps=5, lr=0.1, init=filters.SOBEL_Y)
    np.testing.assert_array_equal(fit.losses, 0.0)
    np.testing.assert_array_equal(fit.kernel, filters.SOBEL_Y)


def test_float32_image_is_accepted_and_computation_is_float64(small):
    fit = learn_kernel(small.astype(np.float32), filters.SOBEL_Y, steps=2, lr=0.01)
    assert fit.kernel.dtype == np.float64 and fit.losses.dtype == np.float64


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), h=st.integers(4, 9), w=st.integers(4, 9),
       kh=st.integers(1, 3), kw=st.integers(1, 3))
def test_loss_never_increases_with_a_step_below_one_over_the_curvature(seed, h, w, kh, kw):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(h, w))
    target = rng.normal(size=(kh, kw))
    patches = sliding_window_view(image, (kh, kw)).reshape(-1, kh * kw)
    curvature = np.linalg.eigvalsh(2 * patches.T @ patches / len(patches)).max()
    fit = learn_kernel(image, target, steps=30, lr=0.9 / curvature, seed=seed)
    assert np.all(np.diff(fit.losses) <= 1e-12 * fit.losses[0])


# ---------------------------------------------------------------- divergence and errors


def test_divergence_raises_a_clear_error(photo):
    with pytest.raises(FloatingPointError, match=r"diverged at step \d+: the loss became inf "
                       r"with learning rate lr=0.5\. Hint: .*smaller learning rate, e\.g\. "
                       r"lr=0.05"):
        learn_kernel(photo, filters.LAPLACIAN, steps=2000, lr=0.5)
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        learn_kernel(photo, filters.LAPLACIAN, steps=5, lr=1e300)


def test_divergence_emits_no_warning(photo, recwarn):
    with pytest.raises(FloatingPointError):
        learn_kernel(photo, filters.LAPLACIAN, steps=2000, lr=1.0)
    assert not recwarn.list


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"image": np.ones((6, 6), dtype=np.uint8)}, TypeError,
     r"image must be a float32 or float64 array; got dtype uint8\. Hint: convert it"),
    ({"image": np.ones((6, 6, 3))}, ValueError,
     r"image must be 2-D \(H, W\); got shape \(6, 6, 3\)\. Hint: .*to_grayscale"),
    ({"image": [[1.0, 2.0]]}, TypeError, "image must be a numpy array"),
    ({"image": np.full((6, 6), np.nan)}, ValueError, r"image must be finite"),
    ({"target_kernel": np.ones((7, 2))}, ValueError,
     r"target_kernel must be no larger than the image \(6, 6\); got shape \(7, 2\)"),
    ({"target_kernel": np.ones(3)}, ValueError, r"target_kernel must be 2-D \(KH, KW\)"),
    ({"target_kernel": [[1, 2], [3]]}, ValueError, "target_kernel must be a rectangular"),
    ({"target_kernel": np.array([["a"]])}, TypeError, "target_kernel must be an array of real"),
    ({"target_kernel": np.array([[np.inf]])}, ValueError, "target_kernel must be finite"),
    ({"steps": 0}, ValueError, r"steps must be an integer >= 1; got 0"),
    ({"steps": 2.5}, TypeError, r"steps must be an integer; got float 2\.5"),
    ({"lr": -0.1}, ValueError, r"lr must be a positive finite number; got -0\.1"),
    ({"lr": float("nan")}, ValueError, r"lr must be a positive finite number"),
    ({"lr": "0.1"}, TypeError, r"lr must be a positive number; got str"),
    ({"lr": True}, TypeError, r"lr must be a positive number; got bool"),
    ({"seed": 1.5}, TypeError, r"seed must be an integer; got float"),
    ({"init": np.ones((2, 2))}, ValueError,
     r"init must be of the target kernel's shape \(3, 3\); got shape \(2, 2\)"),
    ({"record_every": 0}, ValueError, r"record_every must be an integer >= 1; got 0"),
    ({"record_at": [0, 11]}, ValueError,
     r"record_at must be step numbers between 0 and steps=10; got 11"),
    ({"record_at": 5}, TypeError, r"record_at must be a sequence of step numbers; got int"),
    ({"record_at": [1.5]}, TypeError, r"record_at must be a sequence of integers"),
    ({"record_at": [1], "record_every": 2}, ValueError, "cannot both be given"),
])
def test_bad_arguments_get_clear_errors(kwargs, error, match):
    args = {"image": np.random.default_rng(0).normal(size=(6, 6)),
            "target_kernel": filters.LAPLACIAN, "steps": 10, "lr": 0.01}
    args.update(kwargs)
    image, target = args.pop("image"), args.pop("target_kernel")
    with pytest.raises(error, match=match):
        learn_kernel(image, target, **args)


# ---------------------------------------------------------------- image, result object


def test_kernel_learning_image_is_a_standardised_gray_photo():
    img = kernel_learning_image(40)
    assert img.shape == (40, 40) and img.dtype == np.float64
    assert abs(img.mean()) < 1e-12 and img.std() == pytest.approx(1.0)
    raw = kernel_learning_image(40, standardize=False)
    np.testing.assert_allclose(img, (raw - raw.mean()) / raw.std())
    assert raw.std() > 0.1  # a real picture, not a flat one


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"size": 4}, ValueError, r"size must be at least 8 pixels; got 4"),
    ({"size": 40.0}, TypeError, r"size must be an integer number of pixels; got float"),
    ({"size": 40, "standardize": "yes"}, TypeError, r"standardize must be True or False"),
])
def test_kernel_learning_image_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        kernel_learning_image(**kwargs)


def test_snapshots_for_the_replay_tools(small):
    fit = learn_kernel(small, filters.SOBEL_Y, steps=6, lr=0.01, record_every=3)
    snaps = fit.to_snapshots()
    assert [s.step for s in snaps] == [0, 3, 6]
    for snap, kernel, out in zip(snaps, fit.kernels, fit.outputs, strict=True):
        assert isinstance(snap, Snapshot)
        assert snap.epoch == float(snap.step) and snap.accuracy is None
        assert snap.weights["conv1"].shape == (1, 1, 3, 3)
        np.testing.assert_array_equal(snap.weights["conv1"][0, 0], kernel)
        assert snap.feature_maps["conv1"].shape == (1, 1, 7, 9)
        np.testing.assert_array_equal(snap.feature_maps["conv1"][0, 0], out)
        assert snap.loss == fit.losses[snap.step]
    assert list(fit.to_snapshots("learned").pop().weights) == ["learned"]
    with pytest.raises(TypeError, match="layer must be a non-empty str"):
        fit.to_snapshots(3)


def test_result_summary_and_steps_to_reach(small):
    fit = learn_kernel(small, filters.SOBEL_Y, steps=5, lr=0.01, init=filters.SOBEL_Y + 0.5)
    assert isinstance(fit, KernelFit)
    assert repr(fit).startswith("KernelFit(steps=5, lr=0.01, final loss=")
    assert fit.steps_to_reach(1.0) == 0
    assert fit.steps_to_reach(1e-12) is None
    assert fit.error == fit.errors[-1]


def test_log_spaced_steps():
    from cnnlesson.kernel_learning import log_spaced_steps

    marks = log_spaced_steps(4000)
    assert marks[:9] == [0, 1, 2, 3, 4, 5, 6, 8, 10]
    assert {10, 100, 1000} <= set(marks) and marks[-2:] == [3981, 4000]
    assert marks == sorted(set(marks))
    assert log_spaced_steps(1) == [0, 1]
    assert log_spaced_steps(1000, per_decade=1) == [0, 1, 10, 100, 1000]
    assert log_spaced_steps(7, per_decade=1) == [0, 1, 7]
    ratios = np.diff(np.log10(marks[10:-1]))
    assert np.all(np.abs(ratios - 0.1) < 0.03)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1; got 0"):
        log_spaced_steps(0)
    with pytest.raises(TypeError, match=r"per_decade must be an integer; got float"):
        log_spaced_steps(10, per_decade=2.0)


def test_snapshots_replay_in_the_course_player_and_gif(small):
    import matplotlib.pyplot as plt

    from cnnlesson import viz, widgets

    fit = learn_kernel(small, filters.SOBEL_Y, steps=4, lr=0.01, record_every=2)
    snaps = fit.to_snapshots()
    probe = (small - small.min())[None, None] / np.ptp(small)
    view = widgets.snapshot_player_update(snaps, 2, probe=probe)
    try:
        shown = np.asarray(view.kernel_image.get_array())
        np.testing.assert_allclose(shown, fit.kernels[2])
        assert view.wmax == pytest.approx(np.abs(np.array(fit.kernels)).max())
    finally:
        plt.close(view.figure)
    gif = viz.animate_snapshots(snaps, probe=probe, max_frames=3, dpi=30)
    assert gif.startswith(b"GIF8") and len(gif) < viz.MAX_GIF_BYTES
