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


# --- power sums, streams and sizing ------------------------------------------------------------------------------

def test_power_sums_reproduce_the_dense_phase_polynomials():
    from mesatheory.routes.montecarlo import power_sum_polynomials
    from mesatheory.routes.population import phase_polynomials
    y = np.random.default_rng(2).exponential(size=(50, 4))
    phi_n, phi_d = phase_polynomials(4, 9)
    N, D = power_sum_polynomials(4, 9).statistics(y)
    assert N == pytest.approx(np.einsum("nj,jk,nk->n", y, phi_n, y), rel=1e-13)
    assert D == pytest.approx(np.einsum("nj,jkl,nk,nl->n", y, phi_d, y, y), rel=1e-13)


def test_power_sums_refuse_a_tensor_that_is_not_permutation_invariant():
    from mesatheory.routes.montecarlo import PowerSumPolynomials
    from mesatheory.routes.population import phase_polynomials
    phi_n, phi_d = phase_polynomials(3, 6)
    broken = phi_d.copy()
    broken[0, 1, 2] += 1.0
    with pytest.raises(ValueError, match="permutations"):
        PowerSumPolynomials.from_tensors(phi_n, broken)


def test_a_stream_of_draws_extends_where_it_stopped():
    from mesatheory.laws import get_law
    from mesatheory.routes.montecarlo import PHASE_CHUNK, phase_averaged_draws
    law = get_law("laplace")

    def columns(y, N, D):
        return [y[:, 0], N, D]
    whole = phase_averaged_draws(law, 3, 8, PHASE_CHUNK + 100, 4, columns)
    head = phase_averaged_draws(law, 3, 8, 1000, 4, columns)
    tail = phase_averaged_draws(law, 3, 8, PHASE_CHUNK - 900, 4, columns, start=1000)
    assert np.array_equal(whole, np.concatenate([head, tail]))


def test_draws_are_sized_to_resolve_the_sampled_resolution():
    from mesatheory import paper
    from mesatheory.routes.montecarlo import draws_for
    target = paper.SAMPLED_RESOLUTION / (paper.Z_BAND + paper.RESOLUTION_MARGIN)
    assert draws_for(Estimate(1.0, 2 * target, 1000), 1000, 10**6) == 4000      # SE halves with 4× the draws
    assert draws_for(Estimate(1.0, target / 2, 1000), 1000, 10**6) == 1000      # already resolved: the pilot
    assert draws_for(Estimate(1.0, 100 * target, 1000), 1000, 10**6) == 10**6  # capped
    assert draws_for(Estimate(0.0, 0.0, 1000), 1000, 10**6) == 1000             # nothing to resolve
    assert draws_for(Estimate(0.0, 1.0, 1000), 1000, 10**6) == 10**6            # no relative scale: the most


def test_the_phase_averaged_estimate_draws_more_for_a_heavy_tailed_law():
    from mesatheory.laws import get_law
    from mesatheory.routes.montecarlo import phase_averaged_estimate
    light = phase_averaged_estimate(get_law("rademacher"), 3, 8, 4096, 0, 1 << 20)
    heavy = phase_averaged_estimate(get_law("laplace"), 3, 8, 4096, 0, 1 << 20)
    assert light.n == 4096 and heavy.n > 4096


def test_sequence_residuals_have_mean_zero_and_catch_a_model_error(monkeypatch):
    import mesatheory.routes.montecarlo as montecarlo
    from mesatheory.laws import get_law
    law = get_law("laplace")
    check = montecarlo.sequence_check(law, 3, 10, 4096, 1)
    assert abs(check.residual_N.z(0.0)) < 5 and abs(check.residual_D.z(0.0)) < 5
    real = montecarlo.loss_statistics
    monkeypatch.setattr(montecarlo, "loss_statistics", lambda X: (real(X)[0], 1.03 * real(X)[1]))
    wrong = montecarlo.sequence_check(law, 3, 10, 4096, 1)
    assert abs(wrong.residual_N.z(0.0)) < 5 and wrong.residual_D.z(0.0) > 5
