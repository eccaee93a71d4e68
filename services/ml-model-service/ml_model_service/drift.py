"""Population stability index (PSI) per feature over a sliding window of recent rows.

The baseline comes from the training split (metadata.json ``baseline``): quantile bin edges and
the share of training rows in each bin. Live rows are counted in the same bins, whose outer bins
are open-ended, and ``PSI = sum((actual - expected) * ln(actual / expected))``, with both shares
floored at a small epsilon so that an empty bin does not yield infinity. Rule of thumb: < 0.1
stable, 0.1-0.2 moderate shift, > 0.2 significant shift.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

EPSILON = 1e-4


class DriftMonitor:
    def __init__(
        self,
        feature_names: list[str],
        baseline: dict[str, Any] | None,
        window: int,
        min_samples: int,
        threshold: float,
    ) -> None:
        self.feature_names = feature_names
        self.window = window
        self.min_samples = min_samples
        self.threshold = threshold
        self._rows = np.zeros((window, len(feature_names)), dtype=np.float32)
        self._next = 0
        self._count = 0
        self._seen = 0
        self._lock = threading.Lock()
        self._bins: list[tuple[np.ndarray, np.ndarray] | None] = []
        baseline = baseline or {}
        for name in feature_names:
            entry = baseline.get(name)
            if not entry:
                self._bins.append(None)
                continue
            edges = np.asarray(entry["bin_edges"], dtype=np.float64)
            expected = np.maximum(np.asarray(entry["proportions"], dtype=np.float64), EPSILON)
            self._bins.append((edges[1:-1], expected))

    @property
    def has_baseline(self) -> bool:
        return any(b is not None for b in self._bins)

    def record(self, x: np.ndarray) -> None:
        """Add rows (float32, shape (n, features)) to the window; cheap enough per request."""
        n = x.shape[0]
        with self._lock:
            self._seen += n
            if n >= self.window:
                self._rows[:] = x[-self.window :]
                self._next = 0
                self._count = self.window
                return
            end = self._next + n
            if end <= self.window:
                self._rows[self._next : end] = x
            else:
                split = self.window - self._next
                self._rows[self._next :] = x[:split]
                self._rows[: n - split] = x[split:]
            self._next = end % self.window
            self._count = min(self.window, self._count + n)

    def psi(self) -> tuple[dict[str, float | None], int]:
        with self._lock:
            count = self._count
            rows = self._rows[:count].copy()
        values: dict[str, float | None] = {}
        for j, name in enumerate(self.feature_names):
            bins = self._bins[j]
            if bins is None or count == 0:
                values[name] = None
                continue
            inner_edges, expected = bins
            index = np.searchsorted(inner_edges, rows[:, j].astype(np.float64), side="right")
            actual = np.bincount(index, minlength=len(expected)) / count
            actual = np.maximum(actual, EPSILON)
            values[name] = float(np.sum((actual - expected) * np.log(actual / expected)))
        return values, count

    def report(self) -> dict[str, Any]:
        values, count = self.psi()
        enough = count >= self.min_samples
        drifted_features = sorted(name for name, v in values.items() if v is not None and v > self.threshold)
        return {
            "window_size": self.window,
            "samples": count,
            "rows_seen": self._seen,
            "min_samples": self.min_samples,
            "threshold": self.threshold,
            "sufficient_data": enough,
            "drifted": bool(enough and drifted_features),
            "drifted_features": drifted_features if enough else [],
            "psi": values,
        }
