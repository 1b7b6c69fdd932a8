"""Statistics for comparing groups honestly: pure NumPy and the standard library, no Django.

Ticket durations are skewed (most tickets are quick, a few wait for days), so comparisons use
tests that do not assume a normal distribution:

* :func:`mann_whitney_u` — the Mann–Whitney U (Wilcoxon rank-sum) test: is a duration drawn
  from one group likely to be longer than one drawn from the other? Exact distribution for
  small samples without ties, a permutation test for small samples with ties, and the normal
  approximation with tie and continuity correction otherwise (the same conventions as
  SciPy's ``mannwhitneyu``, so its figures can be checked against it).
* :func:`bootstrap_median_ratio` — a percentile bootstrap interval for the ratio of two
  medians (how many times longer one group waits), seeded so that the same data always give
  the same interval.
* :func:`two_proportions` — are two shares (reopen rates, out-of-hours shares) different?
  Fisher's exact test when a cell is small, the pooled two-proportion z-test otherwise.

Every function takes plain sequences or arrays and returns a small frozen dataclass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Alternative = Literal["two-sided", "greater", "less"]

#: Samples at most this large in all (both groups together) get the exact distribution of U
#: (no ties) or a permutation test (ties); larger ones the normal approximation.
SMALL_SAMPLE = 60
#: Permutations drawn by the permutation test (seeded, so the p-value is reproducible).
PERMUTATIONS = 20_000
DEFAULT_SEED = 20_260_301


def _clean(values) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# --------------------------------------------------------------------------- Mann–Whitney U


@dataclass(frozen=True)
class MannWhitney:
    """``u`` counts the pairs (x, y) with x > y, ties counting one half; ``p_value`` is for
    ``alternative`` ("greater": x tends to be larger than y)."""

    u: float
    p_value: float
    n_x: int
    n_y: int
    method: str  # exact, permutation or asymptotic
    alternative: str

    @property
    def effect(self) -> float:
        """The common-language effect size: P(x > y) + P(x = y) / 2, 0..1 (0.5: no difference)."""
        return self.u / (self.n_x * self.n_y)


def _u_statistic(x_sorted: np.ndarray, y_sorted: np.ndarray) -> float:
    # Sorted needles keep searchsorted's memory access in order: several times faster on big samples.
    below = np.searchsorted(y_sorted, x_sorted, side="left")
    up_to = np.searchsorted(y_sorted, x_sorted, side="right")
    return float(below.sum() + 0.5 * (up_to - below).sum())


def _tie_term(x_sorted: np.ndarray, y_sorted: np.ndarray) -> float:
    """Σ (t³ − t) over the groups of tied values in the combined sample."""
    combined = np.sort(np.concatenate([x_sorted, y_sorted]), kind="stable")  # a merge of two runs
    changes = np.flatnonzero(combined[1:] != combined[:-1]) + 1
    runs = np.diff(np.concatenate([[0], changes, [combined.size]])).astype(float)
    runs = runs[runs > 1]
    return float((runs ** 3 - runs).sum())


def _u_null_counts(n_x: int, n_y: int) -> list[int]:
    """How many of the C(n_x + n_y, n_x) arrangements give U = 0, 1, …, n_x·n_y (no ties).

    They are the coefficients of the Gaussian binomial [n_x + n_y choose n_x](q), built as
    ∏_{i=1..k} (1 − q^(m+i)) / (1 − q^i) with k = min(n_x, n_y), m = max: each division by
    (1 − q^i) is a running sum with stride i. Exact integers, so no rounding creeps in.
    """
    k, m = min(n_x, n_y), max(n_x, n_y)
    size = k * m + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, k + 1):
        step = m + i
        for power in range(size - 1, step - 1, -1):  # × (1 − q^step)
            poly[power] -= poly[power - step]
        for power in range(i, size):  # ÷ (1 − q^i)
            poly[power] += poly[power - i]
    return poly


def _exact_p(u: float, n_x: int, n_y: int, alternative: Alternative) -> float:
    counts = _u_null_counts(n_x, n_y)
    total = math.comb(n_x + n_y, n_x)
    u_int = int(round(u))
    at_least = sum(counts[u_int:]) / total  # P(U ≥ u)
    at_most = sum(counts[:u_int + 1]) / total  # P(U ≤ u)
    if alternative == "greater":
        return at_least
    if alternative == "less":
        return at_most
    return min(1.0, 2.0 * min(at_least, at_most))


def _permutation_p(x: np.ndarray, y: np.ndarray, u: float, alternative: Alternative, seed: int) -> float:
    """Monte Carlo permutation test on U: relabel the pooled sample at random, count how often
    the relabelled U is at least as extreme; (count + 1) / (draws + 1) keeps it above 0."""
    rng = np.random.default_rng(seed)
    pooled = np.concatenate([x, y])
    n_x, n_y = x.size, y.size
    # Mid-ranks make U of any relabelling one sum: U = Σ ranks of x − n_x (n_x + 1) / 2.
    order = np.argsort(pooled, kind="stable")
    ranks = np.empty(pooled.size)
    sorted_values = pooled[order]
    first = np.searchsorted(sorted_values, sorted_values, side="left")
    last = np.searchsorted(sorted_values, sorted_values, side="right")
    ranks[order] = (first + last + 1) / 2.0
    draws = np.argsort(rng.random((PERMUTATIONS, pooled.size)), axis=1)[:, :n_x]
    u_perm = ranks[draws].sum(axis=1) - n_x * (n_x + 1) / 2.0
    centre = n_x * n_y / 2.0
    tolerance = 1e-9
    if alternative == "greater":
        extreme = u_perm >= u - tolerance
    elif alternative == "less":
        extreme = u_perm <= u + tolerance
    else:
        extreme = np.abs(u_perm - centre) >= abs(u - centre) - tolerance
    return float((extreme.sum() + 1) / (PERMUTATIONS + 1))


def _asymptotic_p(u: float, n_x: int, n_y: int, tie_term: float, alternative: Alternative) -> float:
    n = n_x + n_y
    mean = n_x * n_y / 2.0
    variance = n_x * n_y / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance <= 0:  # every value is the same: nothing separates the groups
        return 1.0
    sd = math.sqrt(variance)
    if alternative == "greater":
        return _normal_sf((u - mean - 0.5) / sd)
    if alternative == "less":
        return _normal_sf((mean - u - 0.5) / sd)
    return min(1.0, 2.0 * _normal_sf((abs(u - mean) - 0.5) / sd))


def mann_whitney_u(x, y, *, alternative: Alternative = "two-sided", method: str = "auto",
                   seed: int = DEFAULT_SEED) -> MannWhitney:
    """The Mann–Whitney U test of ``x`` against ``y`` (NaNs and infinities dropped).

    ``method``: "exact" (no ties allowed), "permutation", "asymptotic", or "auto": exact when
    both samples together hold at most :data:`SMALL_SAMPLE` values and there are no ties, a
    permutation test when they are that small with ties, else the normal approximation with
    the tie correction and a continuity correction of ½.
    """
    xs, ys = _clean(x), _clean(y)
    if xs.size == 0 or ys.size == 0:
        raise ValueError("both samples need at least one value")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"unknown alternative {alternative!r}")
    x_sorted, y_sorted = np.sort(xs), np.sort(ys)
    u = _u_statistic(x_sorted, y_sorted)
    ties = _tie_term(x_sorted, y_sorted)
    if method == "auto":
        small = xs.size + ys.size <= SMALL_SAMPLE
        method = ("exact" if ties == 0 else "permutation") if small else "asymptotic"
    if method == "exact":
        if ties:
            raise ValueError("the exact distribution of U assumes no ties; use the permutation test")
        p = _exact_p(u, xs.size, ys.size, alternative)
    elif method == "permutation":
        p = _permutation_p(xs, ys, u, alternative, seed)
    elif method == "asymptotic":
        p = _asymptotic_p(u, xs.size, ys.size, ties, alternative)
    else:
        raise ValueError(f"unknown method {method!r}")
    return MannWhitney(u=u, p_value=float(min(max(p, 0.0), 1.0)), n_x=int(xs.size), n_y=int(ys.size),
                       method=method, alternative=alternative)


def mann_whitney_u_counts(values, counts_x, counts_y, *,
                          alternative: Alternative = "two-sided") -> MannWhitney:
    """:func:`mann_whitney_u` for data given as a histogram: ``counts_x[i]`` and ``counts_y[i]``
    values equal to ``values[i]`` (distinct). For small counts such as reassignments per ticket
    over a million tickets this is O(distinct values) instead of O(tickets); small samples are
    expanded and tested exactly as :func:`mann_whitney_u` would."""
    values = np.asarray(values, dtype=float)
    cx, cy = np.asarray(counts_x, dtype=np.int64), np.asarray(counts_y, dtype=np.int64)
    if not (values.shape == cx.shape == cy.shape) or (cx < 0).any() or (cy < 0).any():
        raise ValueError("values and both counts need the same length and counts cannot be negative")
    if np.unique(values).size != values.size:
        raise ValueError("values must be distinct")
    n_x, n_y = int(cx.sum()), int(cy.sum())
    if n_x == 0 or n_y == 0:
        raise ValueError("both samples need at least one value")
    if n_x + n_y <= SMALL_SAMPLE:
        return mann_whitney_u(np.repeat(values, cx), np.repeat(values, cy), alternative=alternative)
    order = np.argsort(values)
    cx, cy = cx[order].astype(float), cy[order].astype(float)
    y_below = np.concatenate([[0.0], np.cumsum(cy)[:-1]])
    u = float((cx * (y_below + 0.5 * cy)).sum())
    t = cx + cy
    ties = float((t ** 3 - t).sum())
    p = _asymptotic_p(u, n_x, n_y, ties, alternative)
    return MannWhitney(u=u, p_value=float(min(max(p, 0.0), 1.0)), n_x=n_x, n_y=n_y, method="asymptotic",
                       alternative=alternative)


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class Interval:
    estimate: float | None  # the statistic on the data itself
    low: float | None
    high: float | None
    confidence: float
    resamples: int


def _bootstrap_medians(sorted_values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` bootstrap medians of a sorted sample, drawn without building the resamples.

    A resample's k-th smallest value is ``sorted_values[ceil(n·U₍ₖ₎) − 1]``, where U₍ₖ₎ is the
    k-th smallest of n uniform draws and so follows Beta(k, n − k + 1); the next one, U₍ₖ₊₁₎, is
    U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k). Drawing those two order statistics gives the bootstrap
    median exactly in distribution, in O(resamples) instead of O(resamples · n), which keeps a
    comparison over hundreds of thousands of tickets as quick as over a hundred.
    """
    n = sorted_values.size
    if n == 1:
        return np.repeat(sorted_values, resamples)
    k = (n + 1) // 2
    u_k = rng.beta(k, n - k + 1, size=resamples)

    def at(u: np.ndarray) -> np.ndarray:
        index = np.clip(np.ceil(u * n).astype(np.int64) - 1, 0, n - 1)
        return sorted_values[index]

    if n % 2:
        return at(u_k)
    u_next = u_k + (1.0 - u_k) * rng.beta(1, n - k, size=resamples)
    return (at(u_k) + at(u_next)) / 2.0


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with 0/0 = 1 (both instant: no difference) and x/0 = ∞."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    out = np.where((numerator == 0) & (denominator == 0), 1.0, out)
    return out


def bootstrap_median_ratio(x, y, *, confidence: float = 0.95, resamples: int = 4000,
                           seed: int = DEFAULT_SEED) -> Interval:
    """A percentile bootstrap interval for median(x) / median(y).

    Each group is resampled on its own (they are independent samples); the interval is the
    (1 − confidence)/2 and (1 + confidence)/2 quantiles of the resampled ratios, without
    interpolation so an infinite ratio (a zero median of y) stays infinite instead of NaN.
    """
    xs, ys = np.sort(_clean(x)), np.sort(_clean(y))
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if xs.size == 0 or ys.size == 0:
        return Interval(None, None, None, confidence, 0)
    rng = np.random.default_rng(seed)
    ratios = _ratio(_bootstrap_medians(xs, resamples, rng), _bootstrap_medians(ys, resamples, rng))
    low, high = np.quantile(ratios, [(1 - confidence) / 2, (1 + confidence) / 2], method="inverted_cdf")
    estimate = float(_ratio(np.array([np.median(xs)]), np.array([np.median(ys)]))[0])

    def finite(value: float) -> float | None:
        return float(value) if math.isfinite(value) else None

    return Interval(finite(estimate), finite(float(low)), finite(float(high)), confidence, resamples)


# --------------------------------------------------------------------------- proportions


@dataclass(frozen=True)
class Proportions:
    share_1: float | None
    share_2: float | None
    p_value: float
    method: str  # fisher or z


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _fisher_p(k1: int, n1: int, k2: int, n2: int, alternative: Alternative) -> float:
    """Fisher's exact test on the 2×2 table [[k1, n1 − k1], [k2, n2 − k2]].

    Two-sided: the sum of the probabilities of every table with the same margins that is no
    more likely than the observed one (the usual definition, as R and SciPy use)."""
    successes, total = k1 + k2, n1 + n2
    low, high = max(0, successes - n2), min(n1, successes)
    support = np.arange(low, high + 1)
    log_p = np.array([_log_comb(n1, a) + _log_comb(n2, successes - a) for a in support]) \
        - _log_comb(total, successes)
    probabilities = np.exp(log_p)
    if alternative == "greater":
        return float(probabilities[support >= k1].sum())
    if alternative == "less":
        return float(probabilities[support <= k1].sum())
    observed = probabilities[k1 - low]
    return float(probabilities[probabilities <= observed * (1 + 1e-7)].sum())


def two_proportions(k1: int, n1: int, k2: int, n2: int, *,
                    alternative: Alternative = "two-sided") -> Proportions:
    """Is k1/n1 different from k2/n2? Fisher's exact test when any expected cell count is
    below 5, else the pooled two-proportion z-test (no continuity correction)."""
    for k, n in ((k1, n1), (k2, n2)):
        if n < 0 or k < 0 or k > n:
            raise ValueError("each count must be between 0 and its total")
    share_1 = k1 / n1 if n1 else None
    share_2 = k2 / n2 if n2 else None
    if not n1 or not n2:
        return Proportions(share_1, share_2, 1.0, "none")
    successes, total = k1 + k2, n1 + n2
    expected = [n * successes / total for n in (n1, n2)] + [n * (total - successes) / total for n in (n1, n2)]
    if min(expected) < 5:
        p = _fisher_p(k1, n1, k2, n2, alternative)
        return Proportions(share_1, share_2, min(1.0, p), "fisher")
    pooled = successes / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return Proportions(share_1, share_2, 1.0, "z")
    z = (share_1 - share_2) / se
    if alternative == "greater":
        p = _normal_sf(z)
    elif alternative == "less":
        p = _normal_sf(-z)
    else:
        p = 2 * _normal_sf(abs(z))
    return Proportions(share_1, share_2, min(1.0, p), "z")
