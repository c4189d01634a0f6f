"""How far mentors agree on a rubric criterion: Krippendorff's alpha for interval data (issue 13).

Our own small function rather than a dependency: the formula is a dozen lines, and the `krippendorff`
package would bring numpy into every worker for it."""

from collections import Counter
from dataclasses import dataclass
from itertools import permutations
from typing import Iterable

FORMULA = "α = 1 − D_o / D_e = 1 − (n − 1) · Σ_c Σ_k o_ck (c − k)² / Σ_c Σ_k n_c n_k (c − k)²"


@dataclass(frozen=True)
class Agreement:
    alpha: float | None  # None when it is not defined: fewer than two pairable values, or no variation at all
    units: int  # units scored by at least two mentors
    values: int  # n: the scores in those units


def krippendorff_alpha_interval(units: Iterable[Iterable[int | float]]) -> Agreement:
    """Krippendorff's alpha, interval metric, for `units`: each unit (one answer) is the list of the scores
    the mentors who scored it gave (any number of mentors, missing ones simply absent).

    Units with fewer than two scores cannot be paired and are left out. With m_u the number of scores in
    unit u, every ordered pair (c, k) of two different scores of the unit (by position, so a unit with two
    equal scores adds the pair (c, c) twice) adds 1 / (m_u − 1) to the coincidence o_ck. n_c = Σ_k o_ck is
    how often value c occurs among the pairable scores and n = Σ_c n_c their number. With the interval
    distance δ²(c, k) = (c − k)²:

        D_o = (1 / n) Σ_c Σ_k o_ck δ²(c, k)                (disagreement observed)
        D_e = (1 / (n (n − 1))) Σ_c Σ_k n_c n_k δ²(c, k)    (disagreement expected by chance)
        α   = 1 − D_o / D_e

    α = 1 is perfect agreement, 0 no better than chance, below 0 systematic disagreement. Undefined (None)
    when D_e = 0, i.e. every score is the same value."""
    coincidences: Counter = Counter()
    scored = 0
    for unit in units:
        values = list(unit)
        if len(values) < 2:
            continue
        scored += 1
        for c, k in permutations(values, 2):
            coincidences[(c, k)] += 1 / (len(values) - 1)
    totals: Counter = Counter()
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    n_rounded = round(n)
    if n_rounded < 2:
        return Agreement(None, scored, n_rounded)
    observed = sum(weight * (c - k) ** 2 for (c, k), weight in coincidences.items())
    expected = sum(totals[c] * totals[k] * (c - k) ** 2 for c in totals for k in totals)
    if expected == 0:
        return Agreement(None, scored, n_rounded)
    return Agreement(1 - (n - 1) * observed / expected, scored, n_rounded)
