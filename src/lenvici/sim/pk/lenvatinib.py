"""Lenvatinib: three compartments, zero-order release into an absorption depot, then first-order absorption.

The structure of Gupta et al. (2016) and of its successors (Tamai et al. 2017 with the HCC study 202; Majid et
al. 2024 with a tumour-type effect for HCC). Parameters are apparent (divided by the unknown absolute
bioavailability); ``F`` is the relative bioavailability (tablet reference 1, capsule through the ``capsule``
covariate).

Equations (amounts in mg, time in days)::

    dAd/dt = F Dose / D1 * 1[t_dose <= t < t_dose + D1] - KA Ad
    dAc/dt = KA Ad - (CL + Q1 + Q2)/V1 Ac + Q1/V2 Ap1 + Q2/V3 Ap2
    dAp1/dt = Q1/V1 Ac - Q1/V2 Ap1
    dAp2/dt = Q2/V1 Ac - Q2/V3 Ap2
    C = 1000 Ac / V1   (ng/mL)

References
----------
Gupta A, Jarzab B, Capdevila J, Shumaker R, Hussein Z. Population pharmacokinetic analysis of lenvatinib in
healthy subjects and patients with cancer. Br J Clin Pharmacol. 2016;81(6):1124-1133. doi:10.1111/bcp.12907

Tamai T, Hayato S, Hojo S, et al. Dose finding of lenvatinib in subjects with advanced hepatocellular carcinoma
based on population pharmacokinetic and exposure-response analyses. J Clin Pharmacol. 2017;57(9):1138-1147.
doi:10.1002/jcph.917

Majid O, Hayato S, Sreerama Reddy SH, et al. CPT Pharmacometrics Syst Pharmacol. 2024;13(6):954-969.
doi:10.1002/psp4.13130
"""

from __future__ import annotations

import numpy as np

from lenvici.sim.pk._structure import DoseInputs, ModalForm, Params, Structure
from lenvici.sim.pk.dosing import DosingSchedule

__all__ = ["OralDepotThreeCompartment"]


class OralDepotThreeCompartment(Structure):
    """Depot -> central with two peripheral compartments; zero-order input of each dose into the depot."""

    name = "oral-depot-3cmt"
    state_names = ("depot", "central", "peripheral1", "peripheral2")
    central = 1
    route = "oral"

    def matrix(self, p: Params, t: float | None = None, gate_open: bool = True) -> np.ndarray:
        cl, v1, v2, v3, q1, q2, ka = (p[k] for k in ("CL", "V1", "V2", "V3", "Q1", "Q2", "KA"))
        m = np.zeros((cl.size, 4, 4))
        m[:, 0, 0] = -ka
        m[:, 1, 0] = ka
        m[:, 1, 1] = -(cl + q1 + q2) / v1
        m[:, 1, 2] = q1 / v2
        m[:, 1, 3] = q2 / v3
        m[:, 2, 1] = q1 / v1
        m[:, 2, 2] = -q1 / v2
        m[:, 3, 1] = q2 / v1
        m[:, 3, 3] = -q2 / v3
        return m

    def dose_inputs(self, p: Params, schedule: DosingSchedule) -> DoseInputs:
        amounts = self.bioavailable_amounts(p, schedule)
        durations = np.broadcast_to(p["D1"][:, None], amounts.shape)
        return DoseInputs(0, schedule.times, amounts, durations)

    def central_volume(self, p: Params) -> np.ndarray:
        return p["V1"]

    def elimination_clearance(self, p: Params) -> np.ndarray:
        return p["CL"]

    def modal_form(self, p: Params, t: float | None = None) -> ModalForm:
        cl, v1, v2, v3, q1, q2 = (p[k] for k in ("CL", "V1", "V2", "V3", "Q1", "Q2"))
        n = cl.size
        k = np.zeros((n, 3, 3))
        k[:, 0, 0] = cl + q1 + q2
        k[:, 0, 1] = k[:, 1, 0] = -q1
        k[:, 0, 2] = k[:, 2, 0] = -q2
        k[:, 1, 1] = q1
        k[:, 2, 2] = q2
        return ModalForm(np.stack([v1, v2, v3], axis=1), k, p["KA"], 0, (1, 2, 3))
