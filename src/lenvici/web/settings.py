"""What a running web app is allowed to do: its store, its catalogue of models, and its size limits.

Everything a request could otherwise use to reach the filesystem or the CPU without bound is fixed here,
when the app is built, and never taken from a request: the evidence store's path, the folder of
cost-effectiveness models (a request names a model, never a path), the largest upload and the largest PSA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import lenvici

__all__ = ["WebSettings", "default_models_dir"]

#: Largest uploaded file (lesion CSV, study table), bytes.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
#: Most PSA samples one request may ask for.
MAX_PSA_SAMPLES = 10_000


def default_models_dir() -> Path | None:
    """``examples/economics`` of a source checkout (where the worked models live), or ``None``."""
    root = Path(lenvici.__file__).resolve().parents[2]
    folder = root / "examples" / "economics"
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class WebSettings:
    """Settings of one app instance.

    Attributes
    ----------
    db_path
        The evidence store (default: the library's, ``$LENVICI_DB`` or the user data directory).
    models_dir
        Folder whose ``*.yaml`` files are the cost-effectiveness models offered by name (default:
        :func:`default_models_dir`). ``None`` offers none.
    max_upload_bytes
        Largest accepted upload.
    max_psa_samples
        Largest accepted number of PSA samples.
    max_trial_n
        Largest accepted number of virtual patients per arm in a trial run.
    """

    db_path: Path | None = None
    models_dir: Path | None = field(default_factory=default_models_dir)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_psa_samples: int = MAX_PSA_SAMPLES
    max_trial_n: int = 500
