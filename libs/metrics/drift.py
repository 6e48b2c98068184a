"""Concept-drift warnings: a River drift detector on a model's absolute one-step errors."""

import importlib

DETECTORS = {"adwin": "ADWIN", "page_hinkley": "PageHinkley"}
"""The detectors by the name ``DRIFT_DETECTOR`` takes: classes of ``river.drift``, each built with
River's defaults. Imported when the first watch is made: ``river.drift`` imports SciPy and
River's data sets, seconds of a service's start-up."""


class DriftWatch:
    """One detector fed the absolute errors of one model on one series, and what it found.

    River's detectors answer ``drift_detected`` for the latest value only; this keeps how often
    one fired and where: ``at`` is the series' observation count, given by the caller, so a
    detection can be placed in the stream and judged recent or not.

    Parameters
    ----------
    detector
        A name of :data:`DETECTORS`: ``"adwin"`` (adaptive windowing; its cut bound grows with
        the errors' variance, so it adapts to their scale) or ``"page_hinkley"`` (a
        cumulative-deviation test whose threshold, 50, is in the errors' own units).

    Examples
    --------
    >>> watch = DriftWatch("adwin")
    >>> errors = [1.0] * 300 + [50.0] * 100
    >>> [at for at, error in enumerate(errors, start=1) if watch.update(error, at)]
    [320]
    >>> watch.detected, watch.last_detected_at
    (1, 320)
    >>> watch.report(seen=400, window=20)
    {'detector': 'adwin', 'detected': 1, 'last_detected_at': 320, 'window': 20, 'recent': False}
    >>> watch.report(seen=330, window=20)["recent"]
    True
    """

    def __init__(self, detector: str = "adwin"):
        self.detector = detector
        self.river_detector = getattr(importlib.import_module("river.drift"), DETECTORS[detector])()
        self.detected = 0
        self.last_detected_at: int | None = None

    def update(self, error: float, at: int) -> bool:
        """Feed one absolute error, of the series' ``at``-th observation; return whether the
        detector fired on it."""
        detector = self.river_detector
        detector.update(error)
        if detector.drift_detected:
            self.detected += 1
            self.last_detected_at = at
            return True
        return False

    def report(self, seen: int, window: int | None) -> dict:
        """The detector, its detections, and whether one fired within the last ``window``
        observations of a series that has seen ``seen`` (``window=None``: ever)."""
        last = self.last_detected_at
        recent = last is not None and (window is None or seen - last < window)
        return {
            "detector": self.detector,
            "detected": self.detected,
            "last_detected_at": last,
            "window": window,
            "recent": recent,
        }
