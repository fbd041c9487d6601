import numpy as np
import pytest
from typer.testing import CliRunner

from lenvici.cli.trial import app
from lenvici.errors import InputError
from lenvici.sim.plots import plot_trial_km, published_medians
from lenvici.sim.trials import ArmResult, TrialResult

PNG = b"\x89PNG\r\n\x1a\n"


def _result(trial="leap-002"):
    arms = [ArmResult("Lenvatinib + Pembrolizumab", 5, 0.2, 0.3, 0.8, 3.0, (1.0, None), 6.0, (2.0, None)),
            ArmResult("Lenvatinib + Placebo", 4, 0.1, 0.2, 0.7, None, (None, None), None, (None, None))]
    t = np.array([1.0, 2.0, 3.0, 6.0, 8.0, 4.0, 5.0, 7.0, 9.0])
    ev = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0], bool)  # second arm: no events at all
    arm = np.array(["Lenvatinib + Pembrolizumab"] * 5 + ["Lenvatinib + Placebo"] * 4)
    patients = {"arm": arm, "os_months": t, "os_event": ev, "pfs_months": t / 2, "pfs_event": ev,
                "failed": np.zeros(9, bool)}
    return TrialResult(trial, 0, arms, [], patients)


def test_plot_writes_png_and_handles_arm_without_events(tmp_path):
    res = _result()
    for endpoint in ("os", "pfs"):
        out = tmp_path / f"km-{endpoint}.png"
        ax = res.plot(endpoint=endpoint, path=out)
        assert out.read_bytes()[:8] == PNG
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert any(lbl.startswith("published median") for lbl in labels)
    assert not list(tmp_path.glob(".*tmp*"))  # atomic write left no temporary file


def test_published_medians_from_curated_records():
    assert published_medians("leap-002", "os") == [("Lenvatinib + Pembrolizumab", 21.2), ("Lenvatinib + Placebo", 19.0)]
    assert [m for _, m in published_medians("scheduling", "pfs")] == [10.5, 3.6]
    assert published_medians("no-such-trial", "os") == []


def test_plot_rejects_unknown_endpoint():
    with pytest.raises(InputError):
        plot_trial_km(_result(), "ttp")


def test_cli_run_plot(tmp_path):
    out = tmp_path / "sub" / "reflect.png"
    r = CliRunner().invoke(app, ["run", "keynote-524", "--n", "15", "--seed", "1", "--plot", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == PNG
