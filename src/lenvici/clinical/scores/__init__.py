"""Clinical scores, one module per family; each registers itself in :mod:`.registry` on import."""

from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, get_score, list_scores, register

__all__ = ["ScoreResult", "ScoreSpec", "get_score", "list_scores", "register"]
