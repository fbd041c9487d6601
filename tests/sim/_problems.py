"""Small test models written in the same declarative form as the HCC model."""

import numpy as np

from lenvici.sim.model import Flux, Input, ModelSpec, State
from lenvici.sim.solver import CallableExposure

#: y' = -k y + sin(w t) (input u), z' = -z^2: exact solutions for order tests (non-autonomous + nonlinear).
FORCED = ModelSpec(
    "forced", (State("y", "1", "forced decay"), State("z", "1", "quadratic decay")), (Input("u", "1", "forcing"),),
    ("k",), (),
    (Flux("decay", "k * y", "y", None, ""), Flux("forcing", "u", None, "y", ""), Flux("quad", "z**2", "z", None, "")),
)
W = 3.0


def forcing():
    return CallableExposure(("u",), lambda t, r: np.sin(W * t)[None], lambda t, r: (W * np.cos(W * t))[None])


def forced_exact(t, k):
    t, k = np.broadcast_arrays(np.asarray(t, float), np.asarray(k, float))
    y = np.exp(-k * t) + (k * np.sin(W * t) - W * np.cos(W * t) + W * np.exp(-k * t)) / (k * k + W * W)
    return np.stack([y, 1.0 / (1.0 + t)], axis=-1)


#: Robertson's chemical kinetics (Hairer & Wanner II, Section IV.1), as three fluxes; with k2 = k3 = 0 it
#: is a plain non-stiff linear decay y1 -> y2.
ROBERTSON = ModelSpec(
    "robertson", (State("y1", "1", "", scale=1.0), State("y2", "1", "", scale=1e-6), State("y3", "1", "", scale=1.0)),
    (), ("k1", "k2", "k3"), (),
    (Flux("r1", "k1 * y1", "y1", "y2", ""), Flux("r2", "k2 * y2 * y3", "y2", "y1", ""),
     Flux("r3", "k3 * y2**2", "y2", "y3", "")),
)
ROBERTSON_RATES = (0.04, 1e4, 3e7)

#: y' = k y^2 blows up at t = 1/(k y0); y' = r exponential growth for events.
BLOWUP = ModelSpec("blowup", (State("y", "1", ""),), (), ("k",), (), (Flux("g", "k * y**2", None, "y", ""),))
GROWTH = ModelSpec("growth", (State("y", "1", ""),), (Input("u", "1", ""),), ("r",), (),
                   (Flux("g", "r * y", None, "y", ""), Flux("in", "u", None, "y", "")))
