"""Progress: one display updated in place (terminal and notebook), a deterministic summary,
and the plain per-epoch log where nothing can be updated in place."""

import io
import re

import numpy as np
import pytest

from cnnlesson import model, optim, train
from cnnlesson.progress import Progress, format_epoch_line, format_summary


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


class FakeClock:
    """Advances 0.5 s per call, so every step is due for a redraw and times are known."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        self.t += 0.5
        return self.t


class StubDisplay:
    def __init__(self):
        self.shown, self.updates = [], []

    def __call__(self, obj, display_id=True):
        assert display_id is True
        self.shown.append(obj)
        return self

    def update(self, obj):
        self.updates.append(obj)


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 1, 10, 10), dtype=np.float32)
    y = rng.integers(0, 3, n)
    return X, y


def tiny_model():
    from cnnlesson.layers import Flatten, Linear
    return model.Sequential(Flatten(), Linear(100, 3, seed=0))


def run(progress, epochs=2, validation=True):
    X, y = data()
    m = tiny_model()
    return train.fit(m, X, y, epochs=epochs, batch_size=8,
                     optimizer=optim.SGD(m.parameters(), 0.1),
                     validation=(X, y) if validation else None, progress=progress)


def test_terminal_mode_rewrites_one_line_and_ends_with_the_summary():
    out = FakeTTY()
    p = Progress(stream=out, clock=FakeClock())
    hist = run(p)
    text = out.getvalue()
    assert p.active_mode == "terminal"
    assert text.count("\n") == 1 and text.endswith("\n")   # one line, never a log
    assert text.count("\r") == p.updates + 1 == 8 + 2 + 1  # 8 steps, 2 epoch ends, the end
    frames = text.split("\r")[1:]
    assert frames[0].startswith("[#") and "epoch 1/2  step 1/8" in frames[0]
    assert "left" in frames[0] and "val_acc" not in frames[0]
    assert "val_acc" in frames[5]  # after the first epoch's validation
    last = frames[-1].rstrip("\n").rstrip()
    assert last == p.summary == format_summary(hist, 2, 8)
    assert re.fullmatch(r"trained 2/2 epochs \(8 steps\): loss \d\.\d\d  acc \d+%  "
                        r"val_loss \d\.\d\d  val_acc \d+%", last)
    assert f"loss {hist.epoch_train_loss[-1]:.2f}" in last
    assert " s" not in last.split(":")[1]  # no time in the summary
    # the summary line overwrites a longer progress line completely
    assert len(frames[-1].rstrip("\n")) >= len(frames[-2])


def test_terminal_line_fits_the_terminal(monkeypatch):
    import os
    import shutil
    monkeypatch.setattr(shutil, "get_terminal_size",
                        lambda fallback=(80, 24): os.terminal_size((40, 24)))
    out = FakeTTY()
    p = Progress(stream=out, clock=FakeClock())
    run(p)
    frames = out.getvalue().split("\r")[1:-1]
    assert frames and all(len(f) <= 39 for f in frames)   # a wrapped line could not be redrawn


def test_notebook_mode_updates_one_display_and_leaves_it_as_it_started():
    stub = StubDisplay()
    out = io.StringIO()
    p = Progress(stream=out, display=stub, clock=FakeClock())
    hist = run(p)
    assert p.active_mode == "notebook"
    assert len(stub.shown) == 1                          # one display ...
    bars, final = stub.updates[:-1], stub.updates[-1]
    assert len(bars) == p.updates == 10                  # ... updated in place
    assert "<progress" in bars[0]._repr_html_() and "step 1/8" in repr(bars[0])
    assert 'value="1.0000"' in bars[-1]._repr_html_()
    # it ends exactly as it started (empty): a re-run compares equal under nbval,
    # which sees only the first version of a display
    first = stub.shown[0]
    assert (repr(first), first._repr_html_()) == (repr(final), final._repr_html_()) == ("", "")
    assert out.getvalue() == format_summary(hist, 2, 8) + "\n"   # the only text left


def test_log_mode_prints_one_plain_line_per_epoch():
    out = io.StringIO()
    p = Progress(stream=out)
    hist = run(p, validation=False)
    assert p.active_mode == "log"
    lines = out.getvalue().splitlines()
    assert lines == [format_epoch_line(e, 2, hist.epoch_train_loss[e], hist.epoch_train_acc[e])
                     for e in range(2)]
    assert lines[1].startswith("epoch 2/2  loss ") and "\r" not in out.getvalue()


def test_fit_default_progress_and_progress_false(capsys):
    run(True, epochs=1)
    assert capsys.readouterr().out.startswith("epoch 1/1  loss ")   # captured: not a tty
    run(False)
    assert capsys.readouterr().out == ""


def test_stopping_early_is_in_the_summary():
    class StopAfterOneEpoch(train.Callback):
        def on_epoch_end(self, state):
            state.stop_training = True

    X, y = data()
    m = tiny_model()
    out = FakeTTY()
    p = Progress(stream=out, interval=0)
    train.fit(m, X, y, epochs=5, batch_size=8, optimizer=optim.SGD(m.parameters(), 0.1),
              callbacks=[StopAfterOneEpoch()], progress=p)
    assert p.summary.startswith("trained 1/5 epochs (4 steps): loss ")
    assert "val" not in p.summary


def test_format_helpers():
    assert format_epoch_line(2, 10, 0.2345, 0.931, (0.25, 0.92)) == \
        "epoch  3/10  loss 0.23  acc 93%  val_loss 0.25  val_acc 92%"
    assert format_summary(train.History(), 3, 0) == "trained 0/3 epochs (0 steps)"


def test_progress_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        Progress(mode="fancy")
    with pytest.raises(TypeError, match="display must be a callable"):
        Progress(display=3)
    with pytest.raises(ValueError, match="interval must be a number of seconds >= 0"):
        Progress(interval=-1)


def test_training_code_records_and_never_plots():
    """fit with its progress display and Snapshots runs without matplotlib ever imported."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name in ("train.py", "progress.py"):
        tree = ast.parse((root / "cnnlesson" / name).read_text(encoding="utf-8"))
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any("matplotlib" in m or "viz" in m for m in imported), (name, imported)
    code = """
import io, sys
import numpy as np
from cnnlesson import model, optim, train
from cnnlesson.progress import Progress
class T(io.StringIO):
    def isatty(self): return True
rng = np.random.default_rng(0)
X = rng.random((16, 1, 26, 26), dtype=np.float32); y = rng.integers(0, 10, 16)
m = model.seed_cnn(in_channels=1, seed=0)
snaps = train.Snapshots(every=1, probe=X[:1])
train.fit(m, X, y, epochs=1, batch_size=8, optimizer=optim.SGD(m.parameters(), 0.1),
          callbacks=[snaps], progress=Progress(stream=T()))
print(sorted(k for k in sys.modules if k.startswith(("matplotlib", "cnnlesson.viz"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root)
    assert out.stdout.strip() == "[]"


def test_terminal_line_is_ended_before_the_interrupt_message(capsys):
    class StopAtStep3(train.Callback):
        def on_batch_end(self, state):
            if state.step == 3:
                raise KeyboardInterrupt

    stream = FakeTTY()
    X, y = data()
    m = tiny_model()
    with pytest.raises(KeyboardInterrupt):
        train.fit(m, X, y, epochs=2, batch_size=8, optimizer=optim.SGD(m.parameters(), 0.1),
                  callbacks=[StopAtStep3()],
                  progress=Progress("terminal", stream=stream, clock=FakeClock()))
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n"), repr(text)
    assert text.count("\n") == 1  # the live line, ended once; no summary after an interrupt
    assert "Training interrupted" in capsys.readouterr().out


def test_end_line_does_nothing_outside_a_terminal():
    stream = io.StringIO()
    p = Progress("log", stream=stream)
    p.end_line()
    assert stream.getvalue() == ""
