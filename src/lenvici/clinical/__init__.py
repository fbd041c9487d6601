"""Clinical toolkit: scores, staging, dosing, response assessment, cohorts."""

__all__: list[str] = []
