"""The question banks of notebooks 01-06: every answer computed with the package, every right
answer passing in every accepted form, every wrong choice and usual wrong number failing with
its own explanation, and every prediction placed before the cell that reveals it."""

import contextlib
import io
import json
import math
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from cnnlesson import explain, filters, images, layers, quiz
from cnnlesson import functional as F
from cnnlesson.checks import _core as checks_core
from cnnlesson.model import seed_cnn
from cnnlesson.quiz import _BANKS, _plan

ROOT = Path(__file__).resolve().parents[1]
ALL = quiz.questions()
IDS = [q.id for q in ALL]


def quiet(function, *args):
    records = []
    with mock.patch.object(checks_core, "emit_record", records.append), \
            contextlib.redirect_stdout(io.StringIO()) as out:
        result = function(*args)
    return result, out.getvalue(), records


# ---------------------------------------------------------------------------
# the banks' shape
# ---------------------------------------------------------------------------

def test_every_notebook_has_its_predictions_and_questionnaire():
    for number in ("01", "02", "03", "04", "05"):
        assert len(quiz.questions(number, "prediction")) >= 2, number
    for number in ("01", "02", "03", "04", "05", "06"):
        q_list = quiz.questions(number, "quiz")
        assert 4 <= len(q_list) <= 6, number
        assert [q.id for q in q_list] == [f"{number}.q{k}" for k in range(1, len(q_list) + 1)]
    assert len(set(IDS)) == len(IDS)


def test_every_bank_belongs_to_its_notebook():
    for bank in _BANKS:
        stem = bank.NOTEBOOK
        assert (ROOT / "notebooks" / f"{stem}.ipynb").exists()
        for q in list(bank.PREDICTIONS) + list(bank.QUESTIONNAIRE):
            assert q.notebook == stem and q.id.startswith(stem[:2] + ".")
        assert set(bank.PLACES) == {q.id for q in bank.PREDICTIONS}


def test_explanations_are_distinct_within_a_question():
    for q in ALL:
        texts = ([e for letter, (_, e) in zip(q.letters, q.choices, strict=True)
                  if letter != q.answer] if q.choices else [e for _, e in q.slips])
        texts.append(q.why)
        assert len(set(texts)) == len(texts), q.id


def test_no_sentence_is_copied_from_the_seed_text():
    seed = ROOT.parent / "shared" / "seed" / "forming-vision.txt"
    if not seed.exists():
        pytest.skip("the seed text is not next to the repository")
    words = " ".join(seed.read_text(encoding="utf-8", errors="replace").split()).lower()
    for q in ALL:
        texts = [q.text, q.why] + [t for c in (q.choices or ()) for t in c]
        for text in texts:
            tokens = text.lower().split()
            for k in range(len(tokens) - 7):
                assert " ".join(tokens[k:k + 8]) not in words, (q.id, text)


# ---------------------------------------------------------------------------
# every answer, computed with the package
# ---------------------------------------------------------------------------

def _right_text(qid):
    q = quiz.question(qid)
    return q.choice_text(q.answer)


def _gradient_descent_loss(lr, steps=30):
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 20)
    y = 2.0 * x - 0.5 + 0.3 * rng.normal(size=20)
    w, b = -1.5, 1.0
    for _ in range(steps):
        error = w * x + b - y
        w, b = w - lr * 2 * np.mean(error * x), b - lr * 2 * np.mean(error)
    return float(np.mean((w * x + b - y) ** 2)), float(np.mean((-1.5 * x + 1.0 - y) ** 2))


def _dead_window_gradient():
    y = np.array([[1.0, -2.0, 3.0, 0.5], [4.0, -0.5, -1.0, 2.0],
                  [-3.0, -1.5, 1.0, 1.5], [-0.3, -2.0, -4.0, 2.5]])[None, None]
    r, relu_cache = F.relu_forward(y)
    _, pool_cache = F.maxpool2d_forward(r, size=2)
    dr = F.maxpool2d_backward(np.array([[10.0, 20.0], [30.0, 40.0]])[None, None], pool_cache)
    dy = F.relu_backward(dr, relu_cache)
    return float(dy[0, 0, 2:, :2].sum())


def _kernel_names_unchanged_by_the_flip():
    return {name for name, k in filters.KERNELS.items() if np.array_equal(np.rot90(k, 2), k)}


def _pooled_changes_when_nudged():
    window = np.array([[1.0, 6.0], [3.0, 4.0]])
    base = F.maxpool2d_forward(window[None, None], size=2)[0]
    count = 0
    for index in np.ndindex(2, 2):
        nudged = window.copy()
        nudged[index] += 0.001
        count += not np.array_equal(F.maxpool2d_forward(nudged[None, None], size=2)[0], base)
    return count


def _tie_winners():
    flat = np.full((1, 1, 2, 2), 0.5)
    _, cache = F.maxpool2d_forward(flat, size=2)
    return int(np.count_nonzero(F.maxpool2d_backward(np.ones((1, 1, 1, 1)), cache)))


def _macs_ratio():
    side = {n: F.conv_output_size(n, 3) for n in (12, 24)}
    return side[24] ** 2 / side[12] ** 2


def _softmax_p(logits):
    loss, _ = F.softmax_cross_entropy(np.array([logits], dtype=float), np.array([0]))
    return math.exp(-loss)


def _true_class_gradient():
    logits = np.log(np.array([[0.7, 0.3]]))
    _, dlogits = F.softmax_cross_entropy(logits, np.array([0]))
    return float(dlogits[0, 0])


def _relu_backward():
    _, cache = F.relu_forward(np.array([-2.0, 3.0]))
    return F.relu_backward(np.array([5.0, 7.0]), cache).tolist()


def _dk_shape():
    rng = np.random.default_rng(0)
    _, cache = F.conv2d_forward(rng.normal(size=(1, 1, 6, 7)), rng.normal(size=(1, 1, 3, 3)),
                                np.zeros(1))
    return F.conv2d_backward(rng.normal(size=(1, 1, 4, 5)), cache)[1].shape[2:]


def _dx_is_a_full_convolution():
    rng = np.random.default_rng(1)
    x, k, g = rng.normal(size=(6, 7)), rng.normal(size=(3, 3)), rng.normal(size=(4, 5))
    _, cache = F.conv2d_forward(x[None, None], k[None, None], np.zeros(1))
    dx = F.conv2d_backward(g[None, None], cache)[0][0, 0]
    dk = F.conv2d_backward(g[None, None], cache)[1][0, 0]
    return (np.allclose(dx, filters.convolve2d(g, k, padding=2))
            and dx.shape == x.shape and np.allclose(dk, filters.correlate2d(x, g)))


def _central_error_order():
    eps = np.array([1e-2, 1e-3])
    central = np.abs((np.sin(1 + eps) - np.sin(1 - eps)) / (2 * eps) - np.cos(1))
    one_sided = np.abs((np.sin(1 + eps) - np.sin(1)) / eps - np.cos(1))
    return central[0] / central[1], one_sided[0] / one_sided[1]  # ~100 and ~10


def _sobel_x_strongest():
    step = np.zeros((16, 16))
    step[:, 8:] = 1.0  # a vertical edge
    vertical = np.abs(filters.correlate2d(step, filters.SOBEL_X)).max()
    horizontal = np.abs(filters.correlate2d(step.T, filters.SOBEL_X)).max()
    return vertical, horizontal


def _shift_equivariant():
    rng = np.random.default_rng(2)
    img = rng.random((20, 20))
    shifted = np.zeros_like(img)
    shifted[5:] = img[:-5]
    a, b = filters.correlate2d(img, filters.SOBEL_X), filters.correlate2d(shifted, filters.SOBEL_X)
    return np.array_equal(b[5:], a[:-5])


def _two_convs_as_one():
    rng = np.random.default_rng(3)
    img, k1, k2 = rng.random((12, 12)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    k5 = filters.convolve2d(k1, k2, padding=2)
    two = filters.correlate2d(filters.correlate2d(img, k1), k2)
    return k5.shape, np.allclose(two, filters.correlate2d(img, k5))


def _position_lost():
    outs = set()
    for r, c in np.ndindex(2, 2):
        spot = np.zeros((1, 1, 4, 4))
        spot[0, 0, r, c] = 1.0
        outs.add(F.maxpool2d_forward(spot, size=2)[0].tobytes())
    return len(outs)


def _backward_adds_up():
    layer = layers.Linear(3, 2, seed=0, dtype=np.float64)
    layer.forward(np.ones((1, 3)))
    layer.backward(np.ones((1, 2)))
    once = layer.weight.grad.copy()
    layer.forward(np.ones((1, 3)))
    layer.backward(np.ones((1, 2)))
    return np.any(once != 0) and np.allclose(layer.weight.grad, 2 * once)


def _most_class_specific_layer():
    from cnnlesson.channels import top_class_share, top_patches
    from cnnlesson.datasets import load_digits
    from cnnlesson.pretrained import load_digits_model

    (_, _), (x_test, y_test) = load_digits()
    model = load_digits_model()
    share = {name: top_class_share(top_patches(model, x_test, name, k=16), y_test)[1].mean()
             for name in ("conv1", "conv2", "conv3")}
    best = max(share, key=share.get)
    # The bank's explanation says "more than half" and "far more than conv1 and conv2".
    clear_lead = share["conv3"] > 0.5 and share["conv3"] > share["conv2"] + 0.1
    return "conv3" if best == "conv3" and clear_lead else "?"


FACTS = {
    "01.output_rows": lambda: filters.correlate2d(np.zeros((10, 10)), filters.LAPLACIAN).shape[0],
    "01.flat_laplacian": lambda: filters.correlate2d(np.full((5, 5), 0.5), filters.LAPLACIAN)[0, 0],
    "01.same_corner": lambda: filters.correlate2d(np.ones((5, 5)), filters.LAPLACIAN,
                                                  padding="same")[0, 0],
    "01.q1": lambda: np.zeros((600, 512, 3)).size,
    "01.q2": lambda: "Sobel y" if [abs(filters.KERNELS[n].sum()) < 1e-12 for n in
                             ("box blur", "sharpen", "sobel y", "gaussian blur")] ==
    [False, False, True, False] else "?",
    "01.q3": lambda: ("vertical edges" if _sobel_x_strongest()[0] > 1
                      and _sobel_x_strongest()[1] == 0 else "?"),
    "01.q4": lambda: filters.correlate2d(np.zeros((26, 26)), np.zeros((5, 5))).shape[0],
    "01.q5": lambda: next(p for p in range(5) if filters.output_size(26, 5, p) == 26),
    "01.q6": lambda: images.to_grayscale(np.array([[[0.0, 1.0, 0.0]]]))[0, 0],
    "02.flip_kernels": lambda: "identity, both blurs" if _kernel_names_unchanged_by_the_flip() == {
        "identity", "box blur", "gaussian blur", "sharpen", "laplacian",
        "laplacian (4-neighbour)"} else "?",
    "02.stride_size": lambda: F.conv_output_size(6, 3, stride=2),
    "02.q1": lambda: "one is minus the other" if np.array_equal(
        filters.convolve2d(np.arange(36.0).reshape(6, 6) ** 1.5, filters.SOBEL_X),
        -filters.correlate2d(np.arange(36.0).reshape(6, 6) ** 1.5, filters.SOBEL_X)) else "?",
    "02.q3": lambda: "1" if F.conv2d_forward(np.ones((1, 3, 6, 6)), np.ones((1, 3, 3, 3)),
                                             np.zeros(1))[0].shape[1] == 1 else "?",
    "02.q4": lambda: layers.Conv2d(6, 8, 3).weight.data.size + 8,
    "02.q5": lambda: F.conv_output_size(28, 5, stride=2),
    "02.q6": lambda: "they shift 5 pixels down and are otherwise" if _shift_equivariant() else "?",
    "03.odd_size": lambda: F.maxpool2d_forward(np.zeros((1, 1, 25, 25)), size=2)[0].shape[2],
    "03.nudge_max": _pooled_changes_when_nudged,
    "04.tie_winners": _tie_winners,
    "03.q1": lambda: {(1, 6, 12, 12): "(1, 6, 12, 12)"}.get(
        F.maxpool2d_forward(np.zeros((1, 6, 24, 24)), size=2)[0].shape, "?"),
    "03.q2": lambda: len(list(layers.MaxPool2d(2).parameters())),
    "03.q3": lambda: F.maxpool2d_forward(np.zeros((1, 1, 24, 24)), size=3, stride=2)[0].shape[2],
    "03.q4": lambda: F.avgpool2d_forward(np.array([[4.0, 0.0], [2.0, 6.0]])[None, None],
                                         size=2)[0][0, 0, 0, 0],
    "03.q5": lambda: "which of the 4 pixels" if _position_lost() == 1 else "?",
    "03.q6": _macs_ratio,
    "04.big_lr": lambda: ("it grows enormously" if _gradient_descent_loss(1.2)[0]
                          > 1e6 * _gradient_descent_loss(1.2)[1] else "?"),
    "04.dk_shape": lambda: "3x3" if _dk_shape() == (3, 3) else "?",
    "04.dead_window": _dead_window_gradient,
    "04.q1": lambda: 2 - 0.1 * 4,
    "04.q3": lambda: F.conv2d_backward(
        np.array([[1.0, 2.0], [3.0, -1.0]])[None, None],
        F.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.zeros(1))[1])[2][0],
    "04.q4": lambda: "[0, 7]" if _relu_backward() == [0.0, 7.0] else "?",
    "04.q5": lambda: "a full convolution" if _dx_is_a_full_convolution() else "?",
    "04.q6": lambda: ("its error shrinks" if _central_error_order()[0] > 50
                      and _central_error_order()[1] < 20 else "?"),
    "05.two_convs": lambda: "yes, with a 5x5" if _two_convs_as_one() == ((5, 5), True) else "?",
    "05.q1": lambda: F.softmax_cross_entropy(np.zeros((1, 10)), np.array([3]))[0],
    "05.q2": lambda: _softmax_p([2, 2, 2, 2]),
    "05.q3": _true_class_gradient,
    "05.q4": lambda: sum(p.data.size for p in layers.Linear(108, 20).parameters()),
    "05.q6": lambda: "backward adds" if _backward_adds_up() else "?",
    "06.q1": lambda: {r.name: r.size for r in
                      explain.receptive_fields(seed_cnn(in_channels=1, seed=0))}["conv2"],
    "06.q2": lambda: seed_cnn(in_channels=1, seed=0).activations(
        np.zeros((1, 1, 26, 26), dtype=np.float32))["flatten1"].shape[1],
    "06.q3": lambda: explain.cosine_similarity(filters.SOBEL_X, -filters.SOBEL_X),
    "06.q4": _most_class_specific_layer,
}

#: Questions about reasons (no single number to compute); each is checked by reading.
CONCEPTUAL = {"02.q2", "04.q2", "05.q5", "06.q5", "06.q6"}
#: Facts that need the digits or a training run (checked below, slower).
SLOW = {"05.untrained_accuracy", "05.high_lr_loss"}


def test_every_question_is_either_computed_or_listed_as_conceptual():
    assert set(FACTS) | CONCEPTUAL | SLOW == set(IDS)
    assert not (set(FACTS) & CONCEPTUAL)


@pytest.mark.parametrize("qid", sorted(FACTS))
def test_the_bank_answer_is_what_the_package_computes(qid):
    q = quiz.question(qid)
    computed = FACTS[qid]()
    if q.choices:
        assert computed != "?" and _right_text(qid).startswith(computed), (qid, computed)
    else:
        assert abs(float(computed) - float(q.answer)) <= max(q.tol, 1e-9), (qid, computed)
        result, text, _ = quiet(quiz.ask, qid, computed if not q.integer else int(computed))
        assert result.status == "pass", text


def test_the_five_linear_layers_collapse_and_a_relu_breaks_it():
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.normal(size=(4, 6)), rng.normal(size=(6, 5)), rng.normal(size=(5, 3))
    assert np.allclose((x @ w1) @ w2, x @ (w1 @ w2))
    assert not np.allclose(np.maximum(x @ w1, 0) @ w2, x @ (w1 @ w2))
    assert _right_text("05.q5").startswith("without it, stacked layers would collapse")


def test_occluding_background_with_black_changes_nothing():
    from cnnlesson.datasets import load_digits

    (_, _), (x_test, _) = load_digits()
    digit = x_test[0]
    assert digit[:, :4, :4].max() == 0  # a corner of background
    assert np.array_equal(explain.occlude(digit, 0, 0, 4, fill=0.0), digit)
    assert not np.array_equal(explain.occlude(digit, 0, 0, 4, fill="mean"), digit)
    border = np.concatenate([x_test[:, 0, 0], x_test[:, 0, -1]]).mean()
    assert border < 0.02 and x_test.max() == 1.0  # white ink on black (06.q6)


def test_an_untrained_network_is_about_as_right_as_a_guess():
    from cnnlesson.datasets import load_digits
    from cnnlesson.train import evaluate

    (_, _), (x_test, y_test) = load_digits()
    accuracy = evaluate(seed_cnn(in_channels=1, seed=0), x_test, y_test)[1]
    assert 0.02 <= accuracy <= 0.2, accuracy
    assert _right_text("05.untrained_accuracy").startswith("around 10%")


def test_at_lr_2_the_loss_settles_near_ln_10():
    from cnnlesson import checks

    trial = checks.learning_rate_trial(2.0)
    losses = np.asarray(trial.history.step_loss, dtype=float)
    assert np.all(np.isfinite(losses))
    assert abs(losses[-8:].mean() - math.log(10)) < 0.15, losses[-8:]
    assert _right_text("05.high_lr_loss").startswith("near ln 10")


# ---------------------------------------------------------------------------
# every right answer in every form, every wrong answer with its explanation
# ---------------------------------------------------------------------------

def _right_forms(q):
    if q.choices:
        a = q.answer
        return [a, a.upper(), f" {a} ", f"{a})", f"({a})", f"{a.upper()}.", np.str_(a)]
    if q.integer:
        n = int(q.answer)
        return [n, np.int64(n), np.int32(n), np.array(n)]
    x = float(q.answer)
    forms = [x, np.float64(x), np.array(x), np.array([x]), x + 0.9 * q.tol, x - 0.9 * q.tol]
    if abs(np.float32(x) - x) <= q.tol:
        forms.append(np.float32(x))
    if float(x).is_integer():
        forms += [int(x), np.int64(int(x))]
    return forms


@pytest.mark.parametrize("qid", IDS)
def test_every_form_of_the_right_answer_passes(qid):
    q = quiz.question(qid)
    for form in _right_forms(q):
        result, text, records = quiet(quiz.ask, qid, form)
        assert result.status == "pass", (form, text)
        assert records[0]["id"] == qid and records[0]["kind"] == q.kind


@pytest.mark.parametrize("qid", IDS)
def test_every_wrong_answer_fails_with_its_own_explanation(qid):
    q = quiz.question(qid)
    if q.choices:
        wrong = [(letter, expl) for letter, (_, expl) in zip(q.letters, q.choices, strict=True)
                 if letter != q.answer]
    else:
        wrong = [(value if not q.integer else int(value), expl) for value, expl in q.slips]
        far = float(q.answer) + 1000.5 if not q.integer else int(q.answer) + 1000
        wrong.append((far, q.other))
    for answer, explanation in wrong:
        result, text, records = quiet(quiz.ask, qid, answer)
        assert result.status == "fail", (answer, text)
        assert text.rstrip("\n").endswith(explanation), (answer, text)
        assert records[0]["hint"].endswith(explanation)


@pytest.mark.parametrize("qid", IDS)
def test_junk_answers_never_raise(qid):
    for junk in (None, "", "zz", "42", 4.2j, [1, 2], {}, True, float("nan"), object(), "q"):
        result, text, records = quiet(quiz.ask, qid, junk)
        assert result.status == "fail" and text.startswith("FAIL ") and len(records) == 1


# ---------------------------------------------------------------------------
# placement in the notebooks
# ---------------------------------------------------------------------------

def _cells(stem):
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"]]


@pytest.mark.parametrize("bank", _BANKS, ids=[b.NOTEBOOK for b in _BANKS])
def test_each_prediction_comes_before_the_cell_that_reveals_it(bank):
    """The reveal cells named in the plan exist; a prediction already inserted precedes it."""
    cells = _cells(bank.NOTEBOOK)
    for q in bank.PREDICTIONS:
        section, before = bank.PLACES[q.id]
        heading = next(i for i, s in enumerate(cells) if section in s.splitlines())
        reveal = next(i for i, s in enumerate(cells) if s.startswith(before))
        assert heading <= reveal, q.id
        placed = [i for i, s in enumerate(cells) if f'quiz.predict("{q.id}"' in s]
        assert all(heading <= i < reveal for i in placed), (q.id, placed, reveal)
    before = _plan.QUESTIONNAIRE_BEFORE[bank.NOTEBOOK[:2]]
    assert any(s.startswith(before) for s in cells), before


@pytest.mark.parametrize("bank", _BANKS, ids=[b.NOTEBOOK for b in _BANKS])
def test_the_plan_inserts_every_cell_in_place(bank):
    import nbformat

    path = ROOT / "notebooks" / f"{bank.NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    new = _plan.with_quiz_cells(nb, bank.NOTEBOOK)
    assert nbformat.writes(nb) == before  # the input is not modified
    sources = ["".join(c.source) for c in new.cells]
    already = sum('quiz.predict("' in s or "quiz.questionnaire(" in s
                  for s in _cells(bank.NOTEBOOK))
    added = 3 * (len(bank.PREDICTIONS) + 1) - 3 * already
    assert len(new.cells) == len(nb.cells) + added
    for q in bank.PREDICTIONS:
        code = next(i for i, s in enumerate(sources) if f'quiz.predict("{q.id}"' in s)
        reveal = next(i for i, s in enumerate(sources) if s.startswith(bank.PLACES[q.id][1]))
        assert code < reveal
        assert new.cells[code - 1].cell_type == "markdown"
        assert new.cells[code + 1].metadata["tags"] == [quiz.TEACHER_TAG]
    number = bank.NOTEBOOK[:2]
    code = next(i for i, s in enumerate(sources) if f'quiz.questionnaire("{number}"' in s)
    assert sources[code + 2].startswith(_plan.QUESTIONNAIRE_BEFORE[number])
    imports = [line for s in sources for line in s.split("\n")
               if line.startswith("from cnnlesson import ") and " as " not in line]
    assert "quiz" in [n.strip() for n in imports[0].split("import ", 1)[1].split(",")]
    again = _plan.with_quiz_cells(new, bank.NOTEBOOK)
    assert len(again.cells) == len(new.cells)  # never inserted twice
    nbformat.validate(new)


def test_insert_writes_a_new_file_and_never_overwrites(tmp_path, capsys):
    import nbformat

    from cnnlesson.quiz.__main__ import main

    source = ROOT / "notebooks" / "02_convolution.ipynb"
    out = tmp_path / "02.ipynb"
    assert main(["insert", str(source), "-o", str(out)]) == 0
    written = nbformat.read(out, as_version=4)
    assert any('quiz.predict("02.flip_kernels"' in c.source for c in written.cells)
    stamp = out.stat().st_mtime_ns
    assert main(["insert", str(source), "-o", str(out)]) == 2
    assert main(["insert", str(source), "-o", str(source)]) == 2
    assert out.stat().st_mtime_ns == stamp
    assert "never overwrites" in capsys.readouterr().err
    assert main(["insert", str(tmp_path / "missing.ipynb"), "-o", str(tmp_path / "x")]) == 2
    other = tmp_path / "99_other.ipynb"
    other.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["insert", str(other), "-o", str(tmp_path / "y.ipynb")]) == 2
    assert not (tmp_path / "y.ipynb").exists()
