"""The catalogue of cost-effectiveness models a request may run: the ``*.yaml`` files of one folder, by name.

A request names a model; the name is looked up in this catalogue, so no request can point the server at a
path of its choosing.
"""

from __future__ import annotations

from pathlib import Path

from lenvici.economics import Model, load_model
from lenvici.errors import InputError

__all__ = ["model_names", "load_named_model"]


def model_names(folder: Path | None) -> list[str]:
    """The names (file stems) of the models in ``folder``, sorted."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if p.is_file())


def load_named_model(folder: Path | None, name: object) -> Model:
    """The validated model called ``name``; :class:`InputError` naming ``model`` when there is none."""
    names = model_names(folder)
    if not isinstance(name, str) or name not in names:
        raise InputError(f"'model' must be one of {', '.join(names) or '(none installed)'}; got {name!r}", "model")
    return load_model(folder / f"{name}.yaml")
