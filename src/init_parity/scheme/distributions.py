"""The distributions a scheme may prescribe, with their exact moments and CDFs.

A distribution here is a *resolved* one: its parameters are numbers, already computed from a
model config by :func:`init_parity.scheme.formula.evaluate`. The statistical tests and the plots
read these objects; the appliers only read ``kind`` and the parameters, and draw with each
framework's own random generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Normal:
    """N(mean, std**2), never truncated."""

    std: float
    mean: float = 0.0
    kind: str = "normal"

    @property
    def actual_std(self) -> float:
        return self.std

    def cdf(self, x: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        if self.std == 0.0:
            return (np.asarray(x) >= self.mean).astype(float)
        return ndtr((np.asarray(x, dtype=np.float64) - self.mean) / self.std)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.std
        return np.exp(-0.5 * z * z) / (self.std * math.sqrt(2.0 * math.pi))

    def fourth_central_moment(self) -> float:
        return 3.0 * self.std**4

    def describe(self) -> str:
        return f"normal(mean={self.mean:g}, std={self.std:.4g})"


@dataclass(frozen=True)
class TruncatedNormal:
    """A normal of scale ``std`` cut to ``[mean - bound*std, mean + bound*std]``.

    ``std`` is the scale of the underlying normal (what Keras and Flax call ``stddev``), not the
    standard deviation of the result: :attr:`actual_std` is that (0.88 * std for bound 2).
    """

    std: float
    bound: float = 2.0
    mean: float = 0.0
    kind: str = "truncated_normal"

    @property
    def _z_mass(self) -> float:
        from scipy.special import ndtr

        return float(ndtr(self.bound) - ndtr(-self.bound))

    @property
    def actual_std(self) -> float:
        b = self.bound
        phi_b = math.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
        return self.std * math.sqrt(1.0 - 2.0 * b * phi_b / self._z_mass)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        z = np.clip((np.asarray(x, dtype=np.float64) - self.mean) / self.std, -self.bound, self.bound)
        return (ndtr(z) - ndtr(-self.bound)) / self._z_mass

    def pdf(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.std
        density = np.exp(-0.5 * z * z) / (self.std * math.sqrt(2.0 * math.pi) * self._z_mass)
        return np.where(np.abs(z) <= self.bound, density, 0.0)

    def fourth_central_moment(self) -> float:
        # E[Z^4] of a standard normal truncated to [-b, b]: 3 - (b^3 + 3b) * 2 phi(b) / mass
        b = self.bound
        phi_b = math.exp(-0.5 * b * b) / math.sqrt(2.0 * math.pi)
        return self.std**4 * (3.0 - (b**3 + 3.0 * b) * 2.0 * phi_b / self._z_mass)

    def describe(self) -> str:
        return f"truncated_normal(std={self.std:.4g}, |z|<{self.bound:g})"


@dataclass(frozen=True)
class Uniform:
    """U(low, high)."""

    low: float
    high: float
    kind: str = "uniform"

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def actual_std(self) -> float:
        return (self.high - self.low) / math.sqrt(12.0)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.clip((np.asarray(x, dtype=np.float64) - self.low) / (self.high - self.low), 0.0, 1.0)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.where((x >= self.low) & (x <= self.high), 1.0 / (self.high - self.low), 0.0)

    def fourth_central_moment(self) -> float:
        return (self.high - self.low) ** 4 / 80.0

    def describe(self) -> str:
        return f"uniform({self.low:.4g}, {self.high:.4g})"


@dataclass(frozen=True)
class Constant:
    """Every element equal to ``value`` (layer-norm scales, biases)."""

    value: float
    kind: str = "constant"

    @property
    def mean(self) -> float:
        return self.value

    @property
    def actual_std(self) -> float:
        return 0.0

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x) >= self.value).astype(float)

    def fourth_central_moment(self) -> float:
        return 0.0

    def describe(self) -> str:
        return f"constant({self.value:g})"


@dataclass(frozen=True)
class Deterministic:
    """A value fixed by a formula rather than drawn (sinusoidal position tables): every
    framework must produce exactly the same tensor, which the suite checks by equality."""

    table: str
    kind: str = "deterministic"

    @property
    def actual_std(self) -> float:
        return float("nan")

    def describe(self) -> str:
        return f"deterministic({self.table})"


Distribution = Normal | TruncatedNormal | Uniform | Constant | Deterministic
