"""BG/NBD and Gamma-Gamma through pymc-marketing's CLV module (the maintained successor of
`lifetimes`), fitted by MAP with flat priors — which makes the MAP the maximum-likelihood estimate
that the published CDNOW figures are — and the predictions the CLV model stores per member.

Units are days: frequency is the number of repeat purchase days, recency the days from the first to
the last purchase day, T the days from the first purchase day to the evaluation date. The customer
lifetime value is lifetimes' formula as pymc-marketing computes it: monthly steps of 30 days over the
horizon, each month's expected spend discounted at the monthly rate.

pymc-marketing (and with it pymc and pytensor) is imported here only, when a CLV model runs: it adds
seconds to an import that the web processes never need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BG_PARAMETERS = ("r", "alpha", "a", "b")
GG_PARAMETERS = ("p", "q", "v")
MIN_BUYERS = 20  # fewer cannot identify four parameters
MIN_REPEAT_BUYERS = 10


class NotEnoughData(ValueError):
    """The message is Chinese and says how much data the fit needs."""


@dataclass(frozen=True)
class Summary:
    """One entry per customer: repeat purchase days, recency and age in days, mean repeat value."""
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary: np.ndarray  # 0 where frequency is 0

    def __len__(self) -> int:
        return len(self.frequency)

    def frame(self):
        import pandas as pd

        return pd.DataFrame({"customer_id": np.arange(len(self)), "frequency": self.frequency,
                             "recency": self.recency, "T": self.T, "monetary_value": self.monetary})


@dataclass(frozen=True)
class Predictions:
    p_alive: np.ndarray
    purchases_90d: np.ndarray
    purchases_horizon: np.ndarray
    spend: np.ndarray  # expected value of a future purchase
    clv: np.ndarray


def _flat(names) -> dict:
    from pymc_extras.prior import Prior

    return {name: Prior("HalfFlat") for name in names}


def _values(model, names) -> dict[str, float]:
    return {name: float(model.idata.posterior[name].values.squeeze()) for name in names}


def _check_enough(summary: Summary, repeat) -> None:
    if len(summary) < MIN_BUYERS or repeat.sum() < MIN_REPEAT_BUYERS:
        raise NotEnoughData(f"CLV 模型需要至少 {MIN_BUYERS} 位有购买、{MIN_REPEAT_BUYERS} 位有复购的会员，"
                            f"目前 {len(summary)} 位有购买、{int(repeat.sum())} 位有复购。")


def fit_transactions(summary: Summary) -> dict[str, dict[str, float]]:
    """{"bgnbd": {r, alpha, a, b}}: BG/NBD alone (the purchases, not their value)."""
    from pymc_marketing.clv import BetaGeoModel

    _check_enough(summary, summary.frequency > 0)
    bg = BetaGeoModel(model_config=_flat(BG_PARAMETERS))
    bg.fit(summary.frame()[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
    return {"bgnbd": _values(bg, BG_PARAMETERS)}


def fit(summary: Summary) -> dict[str, dict[str, float]]:
    """{"bgnbd": {r, alpha, a, b}, "gamma_gamma": {p, q, v}} fitted on `summary`; Gamma-Gamma on the
    customers with repeat purchases of a positive value."""
    from pymc_marketing.clv import GammaGammaModel

    repeat = (summary.frequency > 0) & (summary.monetary > 0)
    _check_enough(summary, repeat)
    gg = GammaGammaModel(model_config=_flat(GG_PARAMETERS))
    gg.fit(summary.frame()[repeat][["customer_id", "frequency", "monetary_value"]], method="map", progressbar=False)
    return {**fit_transactions(summary), "gamma_gamma": _values(gg, GG_PARAMETERS)}


def _with_parameters(model_class, frame, values: dict[str, float]):
    """A pymc-marketing model that predicts from stored parameters, without fitting."""
    import arviz as az

    model = model_class()
    model.build_model(frame)
    model.idata = az.from_dict({name: np.array([[value]]) for name, value in values.items()})  # one chain, one draw
    return model


def predict(parameters: dict, summary: Summary, *, horizon_months: int, discount_rate: float) -> Predictions:
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    frame = summary.frame()
    bg = _with_parameters(BetaGeoModel, frame[["customer_id", "frequency", "recency", "T"]], parameters["bgnbd"])
    repeat = frame[frame.frequency > 0]
    gg = _with_parameters(GammaGammaModel, (repeat if len(repeat) else frame)[["customer_id", "frequency",
                                                                               "monetary_value"]],
                          parameters["gamma_gamma"])

    def flat(values) -> np.ndarray:
        return np.asarray(values).reshape(-1)

    clv = gg.expected_customer_lifetime_value(transaction_model=bg, data=frame.copy(), future_t=horizon_months,
                                              discount_rate=discount_rate, time_unit="D")
    return Predictions(
        p_alive=flat(bg.expected_probability_alive(data=frame).values),
        purchases_90d=flat(bg.expected_purchases(data=frame, future_t=90).values),
        purchases_horizon=flat(bg.expected_purchases(data=frame, future_t=30 * horizon_months).values),
        spend=flat(gg.expected_customer_spend(data=frame).values),
        clv=flat(clv.values),
    )


def expected_purchases(parameters: dict, summary: Summary, days: int) -> np.ndarray:
    """Expected repeat purchase days in the next `days` (the holdout check)."""
    from pymc_marketing.clv import BetaGeoModel

    frame = summary.frame()[["customer_id", "frequency", "recency", "T"]]
    bg = _with_parameters(BetaGeoModel, frame, parameters["bgnbd"])
    return np.asarray(bg.expected_purchases(data=frame, future_t=days).values).reshape(-1)
