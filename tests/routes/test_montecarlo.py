"""The Monte-Carlo estimates' bias-corrected z-score."""

import numpy as np
import pytest

from mesatheory.routes.montecarlo import Estimate, mean_estimate, ratio_estimate


def test_the_z_score_of_symmetric_summands_is_the_plain_t():
    est = Estimate(1.3, 0.1, 1000, skewness=0.0)
    assert est.z(1.0) == pytest.approx(3.0)


def test_the_correction_shifts_z_by_the_bias_of_t():
    assert Estimate(1.3, 0.1, 100, skewness=-8.0).z(1.0) == pytest.approx(3.0 - 8.0 / 20)
    assert Estimate(1.3, 0.0, 100, skewness=-8.0).z(1.0) == 0.0


def test_the_correction_removes_the_bias_of_t_for_skewed_summands():
    """Exponential summands (skewness 2), n = 200: the plain t has mean ≈ −2/(2√200) = −0.07; the corrected z ≈ 0."""
    rng = np.random.default_rng(0)
    draws = rng.exponential(size=(4000, 200))
    plain, corrected = [], []
    for row in draws:
        est = mean_estimate(row)
        plain.append((est.value - 1.0) / est.se)
        corrected.append(est.z(1.0))
    se = 1 / np.sqrt(len(draws))
    assert np.mean(plain) < -0.05
    assert abs(np.mean(corrected)) < 2 * se


def test_a_ratio_estimate_carries_the_skewness_of_its_influence_values():
    rng = np.random.default_rng(1)
    D = rng.exponential(size=5000)
    N = 0.5 * D + rng.normal(size=5000) * 0.01
    est = ratio_estimate(N, D)
    influence = N - est.value * D
    centred = influence - influence.mean()
    assert est.skewness == pytest.approx(np.mean(centred**3) / np.mean(centred**2) ** 1.5)
    assert mean_estimate(np.ones(10)).skewness == 0.0
