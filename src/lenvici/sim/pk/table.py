"""The parameter table of a PK model - every number with unit, source and status - for docs and reports."""

from __future__ import annotations

from lenvici.sim.pk.model import load_model

__all__ = ["parameter_rows", "markdown_table"]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def parameter_rows(model_id: str) -> list[dict[str, str]]:
    """One row per number of the model: structural parameters, covariate effects, random effects, residual."""
    rec = load_model(model_id).record
    rows = []

    def add(kind, name, v):
        rows.append({"kind": kind, "name": name, "value": _fmt(v.value), "unit": v.unit, "source": v.source,
                     "where": v.where, "status": v.status + (f" (via {v.via})" if v.via else "")})

    for name, v in rec.parameters.items():
        add("parameter", name, v)
    for e in rec.covariates:
        on = ", ".join(e.acts_on)
        if e.form == "power":
            what = f"({e.covariate} / {_fmt(e.reference)}) ^ theta on {on}"
        else:
            ind = f"{e.covariate} < {_fmt(e.below)}" if e.below is not None else \
                f"{e.covariate} = {int(e.when) if e.when is not None else 1}"
            what = {"factor": "theta ^ [{}]", "linear": "1 + theta [{}]", "exp": "exp(theta [{}])"}[e.form] \
                .format(ind) + f" on {on}"
        add("covariate", what, e.value)
    for eta in rec.iiv:
        extra = f", only when {eta.only_when} = 1" if eta.only_when else ""
        add("random effect", f"omega2 ({eta.kind}) on {', '.join(eta.acts_on)}{extra}", eta.omega2)
    for c in rec.covariances:
        add("random effect", f"covariance {c.between[0]}-{c.between[1]}", c.covariance)
    if rec.residual is not None:
        add("residual", f"{rec.residual.form}: proportional SD", rec.residual.proportional)
        if rec.residual.additive is not None:
            add("residual", "additive SD", rec.residual.additive)
    return rows


def markdown_table(model_id: str) -> str:
    """The rows of :func:`parameter_rows` as a Markdown table."""
    head = "| kind | name | value | unit | source | where | status |\n|---|---|---|---|---|---|---|"
    lines = [head]
    for r in parameter_rows(model_id):
        cells = [r[k].replace("|", "/") for k in ("kind", "name", "value", "unit", "source", "where", "status")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
