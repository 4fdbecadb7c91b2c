"""Optimisers: turn gradients into weight updates.

Both optimisers are built from a list of :class:`~cnnlesson.layers.Parameter`
(usually ``model.parameters()``), update ``Parameter.data`` **in place** (the
dtype is kept), and expose ``lr`` as a plain attribute that a learning-rate
schedule may change between steps.

Gradients accumulate (see :mod:`cnnlesson.layers`): call :meth:`Optimizer.zero_grad`
before each backward pass. A typical step::

    opt.zero_grad()
    logits = model.forward(x)
    loss, dlogits = softmax_cross_entropy(logits, y)
    model.backward(dlogits)
    opt.step()

Weight decay
------------
* :class:`SGD` uses classic L2 weight decay: ``weight_decay * w`` is added to
  the gradient (as ``torch.optim.SGD`` does), so it also passes through momentum.
* :class:`Adam` uses *decoupled* weight decay (AdamW, Loshchilov & Hutter 2019):
  each step shrinks the weights by ``lr * weight_decay * w`` directly, outside
  the adaptive scaling (as ``torch.optim.AdamW`` does).

In both, weight decay applies to every parameter given to the optimiser
(biases included); pass a subset of parameters to leave some untouched.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import signal
import threading

import numpy as np

from cnnlesson._validate import describe, fail
from cnnlesson.layers import Parameter

__all__ = ["Optimizer", "SGD", "Adam"]


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold back Ctrl-C (SIGINT) inside the block and raise it at the end.

    Only possible in the main thread (where Python runs signal handlers);
    elsewhere the block runs unprotected.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:  # pragma: no cover - no signal support
        yield
        return
    if previous is None or previous in (signal.SIG_IGN, signal.SIG_DFL):
        yield  # not Python's handler: nothing to defer
        return
    received = []

    def hold(signum, frame):
        received.append((signum, frame))

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            previous(*received[0])


def _check_real(v, name: str, *, low: float, low_inclusive: bool, high: float | None = None,
                hint: str = "") -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        fail(TypeError, name, "a real number", describe(v), hint)
    v = float(v)
    ok = math.isfinite(v) and (v >= low if low_inclusive else v > low)
    if high is not None:
        ok = ok and v < high
    if not ok:
        lo = f">= {low:g}" if low_inclusive else f"> {low:g}"
        hi = f" and < {high:g}" if high is not None else ""
        fail(ValueError, name, f"a finite number {lo}{hi}", repr(v), hint)
    return v


class Optimizer:
    """Base class: holds the parameters and the learning rate.

    Parameters
    ----------
    params : iterable of Parameter
        The parameters to update, e.g. ``model.parameters()``.
    lr : float
        Learning rate, > 0. May be changed between steps (``opt.lr = ...``).

    Introduced in notebook 05_classifier.
    """

    def __init__(self, params, lr: float):
        if isinstance(params, Parameter):
            params = [params]
        try:
            params = list(params)
        except TypeError:
            fail(TypeError, "params", "a list of Parameter objects", describe(params),
                 "pass model.parameters()")
        if not params:
            fail(ValueError, "params", "a non-empty list of Parameter objects", "an empty list",
                 "pass model.parameters() (is the model empty?)")
        seen = set()
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                fail(TypeError, f"params[{i}]", "a Parameter", describe(p),
                     "pass model.parameters(), not the model or the arrays")
            if id(p) in seen:
                fail(ValueError, f"params[{i}]", "listed once", f"{p.name!r} twice",
                     "each parameter would otherwise be updated twice per step")
            seen.add(id(p))
        self.params: list[Parameter] = params
        self.lr = lr
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate used by the next :meth:`step` (a finite number > 0)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_real(value, "lr", low=0.0, low_inclusive=False,
                               hint="typical values are 1e-3 for Adam and 0.01-0.1 for SGD")

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0 (in place)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter once from its current gradient, all or nothing.

        The new values of every parameter (and of the optimiser's own state)
        are computed first, without touching anything; then they are copied
        in with Ctrl-C held back until the copy is done. An error or an
        interrupt therefore leaves either every parameter updated or none.
        """
        for p in self.params:
            if not isinstance(p.grad, np.ndarray) or p.grad.shape != p.data.shape:
                fail(ValueError, f"{p.name}.grad", f"an array of shape {p.data.shape}",
                     describe(p.grad), "do not replace .grad with another array")
        updates = []
        for i, p in enumerate(self.params):
            updates.extend(self._update(i, p))
        with _interrupts_deferred():
            for target, value, subtract in updates:
                if subtract:
                    np.subtract(target, value, out=target)
                else:
                    np.copyto(target, value, casting="same_kind")
            self.steps += 1

    def _update(self, i: int, p: Parameter) -> list[tuple[np.ndarray, np.ndarray, bool]]:
        """Return ``(array, value, subtract)`` triples for parameter ``i``; change nothing.

        The commit sets ``array`` to ``value``, or subtracts ``value`` from it
        when ``subtract`` is true.
        """
        raise NotImplementedError  # pragma: no cover - abstract


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and L2 weight decay.

    For each parameter ``w`` with gradient ``g``::

        g = g + weight_decay * w          # L2 weight decay (coupled)
        v = momentum * v + g              # velocity, starts at 0
        w = w - lr * v

    With ``momentum=0`` this is plain ``w -= lr * g``. (Same as ``torch.optim.SGD``
    without dampening or Nesterov.)

    Parameters
    ----------
    params : iterable of Parameter
        E.g. ``model.parameters()``.
    lr : float
        Learning rate, > 0.
    momentum : float, default 0
        In [0, 1).
    weight_decay : float, default 0
        >= 0.

    Introduced in notebook 05_classifier.
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = _check_real(momentum, "momentum", low=0.0, low_inclusive=True, high=1.0,
                                    hint="0.9 is the usual choice")
        self.weight_decay = _check_real(weight_decay, "weight_decay", low=0.0,
                                        low_inclusive=True, hint="e.g. 1e-4")
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def _update(self, i, p):
        g = p.grad
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            v = self.velocity[i] * self.momentum
            v += g
            return [(self.velocity[i], v, False), (p.data, self.lr * v, True)]
        return [(p.data, self.lr * g, True)]

    def __repr__(self):
        return (f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g}, {len(self.params)} parameters)")


class Adam(Optimizer):
    """Adam with decoupled (AdamW-style) weight decay.

    For each parameter ``w`` with gradient ``g``, at step ``t = 1, 2, ...``::

        w = w - lr * weight_decay * w             # decoupled weight decay
        m = beta1 * m + (1 - beta1) * g           # running mean of g
        s = beta2 * s + (1 - beta2) * g**2        # running mean of g**2
        m_hat = m / (1 - beta1**t)                # bias corrections
        s_hat = s / (1 - beta2**t)
        w = w - lr * m_hat / (sqrt(s_hat) + eps)

    Parameters
    ----------
    params : iterable of Parameter
        E.g. ``model.parameters()``.
    lr : float, default 1e-3
        Learning rate, > 0.
    betas : (float, float), default (0.9, 0.999)
        Each in [0, 1).
    eps : float, default 1e-8
        > 0; avoids division by zero.
    weight_decay : float, default 0
        >= 0; decoupled, as in ``torch.optim.AdamW``.

    Introduced in notebook 05_classifier.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            fail(TypeError, "betas", "a pair (beta1, beta2)", describe(betas),
                 "the usual choice is (0.9, 0.999)")
        self.betas = (_check_real(betas[0], "betas[0]", low=0.0, low_inclusive=True, high=1.0),
                      _check_real(betas[1], "betas[1]", low=0.0, low_inclusive=True, high=1.0))
        self.eps = _check_real(eps, "eps", low=0.0, low_inclusive=False)
        self.weight_decay = _check_real(weight_decay, "weight_decay", low=0.0,
                                        low_inclusive=True, hint="e.g. 1e-4")
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.s = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        self._t = self.steps + 1
        super().step()

    def _update(self, i, p):
        b1, b2 = self.betas
        t = self._t
        g = p.grad
        w = p.data
        if self.weight_decay:
            w = w * (1.0 - self.lr * self.weight_decay)
        m = self.m[i] * b1
        m += (1.0 - b1) * g
        s = self.s[i] * b2
        s += (1.0 - b2) * (g * g)
        m_hat = m / (1.0 - b1 ** t)
        s_hat = s / (1.0 - b2 ** t)
        w = w - self.lr * m_hat / (np.sqrt(s_hat) + self.eps)
        return [(self.m[i], m, False), (self.s[i], s, False), (p.data, w, False)]

    def __repr__(self):
        return (f"Adam(lr={self.lr:g}, betas=({self.betas[0]:g}, {self.betas[1]:g}), "
                f"eps={self.eps:g}, weight_decay={self.weight_decay:g}, "
                f"{len(self.params)} parameters)")
