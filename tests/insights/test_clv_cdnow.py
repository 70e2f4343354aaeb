"""The CLV models against the published CDNOW results (the `lifetimes` quickstart): BG/NBD on the
2,357-customer summary, Gamma-Gamma on its 946 repeat buyers, and 12-month CLV at a monthly discount
rate of 0.01 for customers 1, 2 and 3 — each within 1 %.

The data is pymc-marketing's `clv_quickstart.csv` (the CDNOW sample of Fader and Hardie, in weeks;
the same values as lifetimes' `cdnow_customers_summary_with_transactions.csv`). The quickstart's CLV
call leaves lifetimes' `freq` at its default "D" (30 units a month) on this weekly data; the published
140.096 / 18.943 / 38.181 come from exactly that, so the check makes the same call.
"""

from pathlib import Path

import numpy as np
import pytest

fitting = pytest.importorskip("insights.clv.fitting")
DATA = Path(__file__).parent / "data" / "clv_quickstart.csv"
BG = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
GG = {"p": 6.2488, "q": 3.7446, "v": 15.4477}
CLV_1_2_3 = (140.096, 18.943, 38.181)


@pytest.fixture(scope="module")
def cdnow():
    frequency, recency, T, monetary = np.loadtxt(DATA, delimiter=",", skiprows=1, unpack=True)
    summary = fitting.Summary(frequency=frequency, recency=recency, T=T, monetary=monetary)
    return summary, fitting.fit(summary)


def within_one_percent(actual: float, expected: float) -> bool:
    return abs(actual / expected - 1) <= 0.01


def test_the_cdnow_summary_is_the_published_one(cdnow):
    summary, _ = cdnow
    assert (len(summary), int((summary.frequency > 0).sum())) == (2357, 946)


def test_bg_nbd_parameters_match_the_published_fit(cdnow):
    _, parameters = cdnow
    assert {k: round(v, 4) for k, v in parameters["bgnbd"].items()} == pytest.approx(BG, rel=0.01)


def test_gamma_gamma_parameters_match_the_published_fit(cdnow):
    _, parameters = cdnow
    assert all(within_one_percent(parameters["gamma_gamma"][k], v) for k, v in GG.items()), parameters


def test_twelve_month_clv_of_customers_1_2_3_matches(cdnow):
    summary, parameters = cdnow
    predicted = fitting.predict(parameters, summary, horizon_months=12, discount_rate=0.01)
    assert all(within_one_percent(a, e) for a, e in zip(predicted.clv[:3], CLV_1_2_3, strict=True)), predicted.clv[:3]
    assert ((predicted.p_alive >= 0) & (predicted.p_alive <= 1)).all()


def test_too_few_buyers_are_refused_with_a_reason():
    tiny = fitting.Summary(frequency=np.array([1.0, 0.0]), recency=np.array([5.0, 0.0]), T=np.array([9.0, 3.0]),
                           monetary=np.array([10.0, 0.0]))
    with pytest.raises(fitting.NotEnoughData, match="至少"):
        fitting.fit(tiny)
