"""Small builders for lesion rows, so that each worked example reads like the case record form."""

from __future__ import annotations


def target(patient, day, lesion, organ, diameter, viable=None, status=None):
    """A target lesion's row (diameters in mm; ``None`` = blank)."""
    return dict(patient=patient, day=day, lesion=lesion, kind="target", organ=organ, diameter_mm=diameter,
                viable_diameter_mm=viable, status=status)


def non_target(patient, day, lesion, organ, status, cytology=None):
    """A non-target lesion's row (status only)."""
    row = dict(patient=patient, day=day, lesion=lesion, kind="non-target", organ=organ, diameter_mm=None,
               viable_diameter_mm=None, status=status)
    if cytology is not None:
        row["cytology"] = cytology
    return row


def new(patient, day, lesion, organ, diameter=None, status="present", cytology=None):
    """A new lesion's row."""
    row = dict(patient=patient, day=day, lesion=lesion, kind="new", organ=organ, diameter_mm=diameter,
               viable_diameter_mm=None, status=status)
    if cytology is not None:
        row["cytology"] = cytology
    return row


def series(patient, lesion, organ, diameters, days=(0, 56, 112, 168, 224, 280), viable=None):
    """One target measured at successive visits (``viable``: the viable diameters, same length)."""
    viable = viable or [None] * len(diameters)
    return [target(patient, d, lesion, organ, x, v) for d, x, v in zip(days, diameters, viable)]
