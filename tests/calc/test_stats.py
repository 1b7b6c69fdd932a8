"""The statistics behind every comparison (teamalign.calc.stats), against values worked out by
hand and values SciPy 1.17 gives for the same data (recorded here; SciPy is not a dependency)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamalign.calc import stats

# --------------------------------------------------------------------------- Mann–Whitney U


def test_complete_separation_of_three_against_three_is_one_arrangement_in_twenty():
    # Every x below every y: U = 0. Of the C(6, 3) = 20 equally likely arrangements only this one
    # gives U = 0, and one (all above) gives U = 9: two-sided p = 2/20.
    result = stats.mann_whitney_u([1, 2, 3], [4, 5, 6])
    assert (result.u, result.method) == (0.0, "exact")
    assert result.p_value == pytest.approx(0.1)
    assert stats.mann_whitney_u([1, 2, 3], [4, 5, 6], alternative="less").p_value == pytest.approx(0.05)
    assert stats.mann_whitney_u([1, 2, 3], [4, 5, 6], alternative="greater").p_value == pytest.approx(1.0)


def test_the_exact_distribution_counts_every_arrangement():
    # Two against two: the six arrangements give U = 0, 1, 2, 2, 3, 4.
    assert stats._u_null_counts(2, 2) == [1, 1, 2, 1, 1]
    for n_x, n_y in ((1, 7), (5, 4), (9, 11)):
        counts = stats._u_null_counts(n_x, n_y)
        assert sum(counts) == math.comb(n_x + n_y, n_x)
        assert counts == counts[::-1]  # symmetric around n_x·n_y / 2


def test_the_exact_test_matches_the_textbook_count_and_scipy():
    a, b = [19, 22, 16, 29, 24], [20, 11, 17, 12]
    # U = 17 of 20: P(U ≥ 17) = 7 of the C(9, 4) = 126 arrangements.
    greater = stats.mann_whitney_u(a, b, alternative="greater")
    assert greater.u == 17 and greater.p_value == pytest.approx(7 / 126)
    assert stats.mann_whitney_u(a, b).p_value == pytest.approx(0.1111111111111111)
    assert stats.mann_whitney_u(a, b, alternative="less").p_value == pytest.approx(0.9682539682539683)


X_TIED = [3, 4, 2, 6, 2, 5, 7, 8, 4, 5, 6, 3, 9, 10, 4, 5, 6, 7, 3, 2, 5, 8, 9, 6, 4]
Y_TIED = [1, 2, 3, 2, 4, 1, 2, 3, 5, 2, 3, 1, 2, 4, 3, 2, 1, 3, 2, 4, 3, 2, 5, 1, 2, 3, 2, 1, 4, 3, 2, 2, 3, 1, 2]


@pytest.mark.parametrize("alternative, expected", [
    ("two-sided", 9.971908934011712e-07), ("greater", 4.985954467005856e-07), ("less", 0.9999995386179674)])
def test_the_normal_approximation_with_ties_matches_scipy(alternative, expected):
    result = stats.mann_whitney_u(X_TIED, Y_TIED, alternative=alternative, method="asymptotic")
    assert (result.u, result.method) == (759.0, "asymptotic")
    assert result.p_value == pytest.approx(expected, rel=1e-9)


def test_small_samples_with_ties_get_a_reproducible_permutation_test():
    x, y = [1, 2, 2, 3, 5, 5, 6], [2, 3, 3, 4, 6, 7, 7, 8]
    first = stats.mann_whitney_u(x, y)
    assert first.method == "permutation"
    assert stats.mann_whitney_u(x, y) == first  # seeded
    # Close to the normal approximation on the same data, as it should be at this size.
    assert first.p_value == pytest.approx(stats.mann_whitney_u(x, y, method="asymptotic").p_value, abs=0.03)


def test_the_exact_test_refuses_ties_and_bad_arguments():
    with pytest.raises(ValueError):
        stats.mann_whitney_u([1, 2], [2, 3], method="exact")
    with pytest.raises(ValueError):
        stats.mann_whitney_u([], [1, 2])
    with pytest.raises(ValueError):
        stats.mann_whitney_u([1], [2], alternative="sideways")
    with pytest.raises(ValueError):
        stats.mann_whitney_u([1], [2], method="guess")


def test_nans_and_infinities_are_left_out():
    assert stats.mann_whitney_u([1, 2, 3, np.nan, np.inf], [4, 5, 6]).n_x == 3


def test_identical_samples_are_no_difference():
    result = stats.mann_whitney_u([5] * 40, [5] * 30)
    assert result.p_value == 1.0 and result.effect == 0.5


def test_the_histogram_form_gives_the_same_test():
    rng = np.random.default_rng(3)
    x, y = rng.poisson(0.9, 700), rng.poisson(0.6, 5000)
    values = np.unique(np.concatenate([x, y]))
    counts_x = np.array([(x == v).sum() for v in values])
    counts_y = np.array([(y == v).sum() for v in values])
    for alternative in ("two-sided", "greater", "less"):
        direct = stats.mann_whitney_u(x, y, alternative=alternative)
        from_counts = stats.mann_whitney_u_counts(values, counts_x, counts_y, alternative=alternative)
        assert from_counts.u == direct.u
        assert from_counts.p_value == pytest.approx(direct.p_value, rel=1e-9, abs=1e-300)
    small = stats.mann_whitney_u_counts([0, 1, 2], [2, 1, 0], [0, 1, 3])
    assert small == stats.mann_whitney_u([0, 0, 1], [1, 2, 2, 2])
    with pytest.raises(ValueError):
        stats.mann_whitney_u_counts([1, 1], [1, 2], [3, 4])


def test_a_million_durations_are_compared_in_well_under_a_second():
    rng = np.random.default_rng(1)
    x, y = rng.lognormal(8, 1, 600_000).round(), rng.lognormal(7.9, 1, 400_000).round()
    started = time.perf_counter()
    result = stats.mann_whitney_u(x, y)
    interval = stats.bootstrap_median_ratio(x, y)
    assert time.perf_counter() - started < 2.0
    assert result.p_value < 1e-6 and interval.low < interval.estimate < interval.high


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80),
       st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80))
def test_u_and_p_stay_in_range_for_any_samples(x, y):
    forward, backward = stats.mann_whitney_u(x, y), stats.mann_whitney_u(y, x)
    assert 0 <= forward.u <= len(x) * len(y)
    assert forward.u + backward.u == pytest.approx(len(x) * len(y))
    assert 0 <= forward.p_value <= 1 and forward.p_value == pytest.approx(backward.p_value, abs=0.02)


# --------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("n", [1, 2, 7, 8, 51])
def test_bootstrap_medians_are_distributed_as_a_plain_bootstrap(n):
    """The order-statistic shortcut against resampling by hand: same quantiles of the median."""
    sample = np.sort(np.random.default_rng(n).lognormal(3, 1, n))
    shortcut = stats._bootstrap_medians(sample, 40_000, np.random.default_rng(1))
    by_hand = np.median(sample[np.random.default_rng(2).integers(0, n, (40_000, n))], axis=1)
    for q in (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975):
        left, right = np.quantile(shortcut, q), np.quantile(by_hand, q)
        # Equal up to one neighbouring order statistic (the two are sampled independently).
        spread = np.diff(sample).max() if n > 1 else 0
        assert abs(left - right) <= spread + 1e-9, (q, left, right)
    assert abs(shortcut.mean() - by_hand.mean()) < 0.03 * (sample.max() - sample.min() + 1)


def test_the_interval_is_reproducible_and_covers_the_ratio():
    rng = np.random.default_rng(7)
    ops, others = rng.lognormal(np.log(9600), 0.6, 3000), rng.lognormal(np.log(2100), 0.6, 1100)
    interval = stats.bootstrap_median_ratio(ops, others)
    assert interval == stats.bootstrap_median_ratio(ops, others)
    assert interval.low < interval.estimate < interval.high
    assert interval.high - interval.low < 0.1 * interval.estimate  # thousands of tickets: a narrow interval
    assert interval.confidence == 0.95


def test_the_interval_covers_the_true_ratio_about_95_times_in_100():
    rng = np.random.default_rng(11)
    covered = 0
    for run in range(200):
        x, y = rng.lognormal(np.log(2), 0.7, 60), rng.lognormal(0, 0.7, 80)
        interval = stats.bootstrap_median_ratio(x, y, resamples=1000, seed=run)
        covered += interval.low <= 2 <= interval.high
    assert 0.88 <= covered / 200 <= 0.99


def test_a_zero_median_of_the_others_has_no_finite_ratio():
    interval = stats.bootstrap_median_ratio([60, 120, 180], [0, 0, 0, 30])
    assert interval.estimate is None and interval.high is None
    both_zero = stats.bootstrap_median_ratio([0, 0, 0], [0, 0])
    assert both_zero.estimate == 1.0
    assert stats.bootstrap_median_ratio([], [1]).estimate is None
    with pytest.raises(ValueError):
        stats.bootstrap_median_ratio([1], [1], confidence=1.5)


# --------------------------------------------------------------------------- proportions


def test_fisher_on_the_lady_tasting_tea():
    # Fisher's own example: 3 of 4 cups right each way; two-sided p = 34/70, one-sided 17/70.
    assert stats.two_proportions(3, 4, 1, 4) == stats.Proportions(0.75, 0.25, pytest.approx(34 / 70), "fisher")
    assert stats.two_proportions(3, 4, 1, 4, alternative="greater").p_value == pytest.approx(17 / 70)
    # [[8, 2], [1, 5]]: SciPy's fisher_exact gives 0.034965… two-sided and 0.024476… one-sided.
    assert stats.two_proportions(8, 10, 1, 6).p_value == pytest.approx(0.034965034965034975)
    assert stats.two_proportions(8, 10, 1, 6, alternative="greater").p_value == pytest.approx(0.024475524475524483)


def test_large_counts_use_the_pooled_z_test():
    # 30 of 100 against 20 of 100: pooled 0.25, se = √(0.25·0.75·0.02) = 0.0612372, z = 1.63299.
    result = stats.two_proportions(30, 100, 20, 100)
    assert result.method == "z"
    assert result.p_value == pytest.approx(math.erfc(1.632993161855452 / math.sqrt(2)))
    assert stats.two_proportions(0, 0, 3, 10).p_value == 1.0
    with pytest.raises(ValueError):
        stats.two_proportions(5, 3, 1, 2)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_proportion_p_values_stay_between_0_and_1(a, b, c, d):
    result = stats.two_proportions(min(a, b), max(a, b), min(c, d), max(c, d))
    assert 0 <= result.p_value <= 1
