"""Numeric reference for the derivation tests: the full 3d×3d model's population loss by exact cubature.

Written from the model's definition (docs/paper.md §2), independently of the symbolic engine:
``ŷ_t = [W^{PV} Σ_{i≤t} e_i (e_i^* W^{KQ} e_t)]_{1:d} / (t-1)``, ``L = Σ_{t=2}^{T-1} E ½||ŷ_t - x_{t+1}||²``,
expectation by the law's exact rule for ``x_1`` times the roots-of-unity phase grid (exact for this degree).
"""

import numpy as np

from mesatheory.model import sequences
from mesatheory.routes.cubature import phase_rule, x1_rule


class CubatureLoss:
    """``L(W^{KQ}, W^{PV})`` of one law at ``(d, T)``; :meth:`gradient` by central differences (exact: L is a
    polynomial of degree 2 in each matrix, so the central difference of step ``h`` has error ``O(h²)`` only
    from the quartic cross terms, and none when one matrix moves)."""

    def __init__(self, law, d, T):
        points, weights = x1_rule(law, d)
        theta = phase_rule(d, T)
        x1 = np.repeat(points, len(theta), axis=0)
        self.weights = np.repeat(weights, len(theta)) / len(theta)
        self.X = sequences(x1, np.tile(theta, (len(points), 1)), T)
        n = len(x1)
        previous = np.concatenate([np.zeros((n, 1, d)), self.X[:, :-1]], axis=1)
        self.E = np.concatenate([np.zeros((n, T, d)), self.X, previous], axis=2)   # e_1..e_T
        self.d, self.T = d, T

    def __call__(self, kq, pv):
        total = 0.0
        for t in range(2, self.T):
            Et, et = self.E[:, :t], self.E[:, t - 1]
            scores = np.einsum("nia,ab,nb->ni", Et.conj(), kq, et)
            y = np.einsum("ab,nib,ni->na", pv, Et, scores)[:, :self.d] / (t - 1)
            total += 0.5 * np.sum(self.weights * np.sum(np.abs(y - self.X[:, t]) ** 2, axis=1))
        return total

    def diagonal_point(self, a, b):
        d = self.d
        kq, pv = np.zeros((3 * d, 3 * d)), np.zeros((3 * d, 3 * d))
        kq[2 * d:, d:2 * d] = a * np.eye(d)
        pv[:d, d:2 * d] = b * np.eye(d)
        return kq, pv

    def gradient(self, kq, pv, matrix, row, col, h=1e-4):
        """``∂L/∂W[row, col]`` for ``matrix`` in ``{"KQ", "PV"}`` by a central difference."""
        def shifted(step):
            m = (kq if matrix == "KQ" else pv).copy()
            m[row, col] += step
            return self(m, pv) if matrix == "KQ" else self(kq, m)
        return (shifted(h) - shifted(-h)) / (2 * h)
