"""The lenvici HCC model: target engagement, tumour, vasculature, immunity, resistance and hazards.

One declarative definition (states, inputs, algebraic definitions, fluxes); parameter values, units and
sources are in ``lenvici/data/sim/model_parameters.yaml``. ``docs/model.md`` is generated from this file
and that one by :func:`lenvici.sim.model.document`.

The model takes drug exposure as inputs, per patient and over time: unbound lenvatinib and sorafenib
plasma concentrations and the serum anti-PD-1 antibody concentration (nM), supplied by the PK layer
(:mod:`lenvici.sim.pk`) through an exposure object of :mod:`lenvici.sim.solver`.

References
----------
Hahnfeldt P, Panigrahy D, Folkman J, Hlatky L. Tumor development under angiogenic signaling: a dynamical
theory of tumor growth, treatment response, and postvascular dormancy. Cancer Res 1999;59:4770-4775.
Sové RJ, Verma BK, Wang H, Ho WJ, Yarchoan M, Popel AS. Virtual clinical trials of anti-PD-1 and anti-CTLA-4
immunotherapy in advanced hepatocellular carcinoma using a quantitative systems pharmacology model.
J Immunother Cancer 2022;10:e005414.
"""

from __future__ import annotations

from functools import lru_cache

from lenvici.sim.model._params import load_parameters
from lenvici.sim.model._spec import Definition, Flux, Input, ModelSpec, State

__all__ = ["hcc_model", "LENVATINIB_TARGETS", "SORAFENIB_TARGETS"]

#: Targets whose occupancy by lenvatinib is computed (review ref [71]; drugs.yaml).
LENVATINIB_TARGETS = ("VEGFR1", "VEGFR2", "VEGFR3", "FGFR1", "FGFR2", "FGFR3", "FGFR4", "PDGFRA", "KIT", "RET")
#: Targets whose occupancy by sorafenib is computed (Wilhelm 2004; review ref [71]); no FGFR2-4.
SORAFENIB_TARGETS = ("RAF1", "BRAF", "VEGFR1", "VEGFR2", "VEGFR3", "PDGFRB", "KIT", "FGFR1")

STATES = (
    State("V_v", "mL", "Viable tumour volume (drives mRECIST diameter)", scale=1.0),
    State("V_n", "mL", "Necrotic/dead tumour volume (with V_v, drives RECIST 1.1 diameter)", scale=1.0),
    State("K", "mL", "Vascular carrying capacity: viable volume the vasculature can supply (Hahnfeldt 1999)", scale=1.0),
    State("F", "1", "FGF compensatory angiogenic signal, relative to untreated", scale=1.0),
    State("Q", "1", "Vascular normalisation index (0 abnormal, 1 fully normalised)", scale=1.0),
    State("R", "1", "Compensatory EGFR-bypass activation (acquired resistance, 0-1)", scale=1.0),
    State("E", "1", "Effector CD8 T-cell density in tumour, relative", scale=1.0),
    State("X", "1", "Exhausted CD8 T-cell density, relative", scale=1.0),
    State("T_r", "1", "Regulatory T-cell density, relative", scale=1.0),
    State("L", "1", "Tumour PD-L1 expression, relative to non-inflamed", scale=1.0),
    State("G", "1", "Intratumoural IFN-gamma, relative", scale=1.0),
    State("H_nl", "1", "Cumulative new-lesion hazard since treatment start", scale=1.0),
    State("H_os", "1", "Cumulative death hazard since treatment start", scale=1.0),
)

INPUTS = (
    Input("c_len", "nM", "Unbound lenvatinib plasma concentration"),
    Input("c_sor", "nM", "Unbound sorafenib plasma concentration"),
    Input("c_pd1", "nM", "Serum anti-PD-1 antibody concentration"),
)


def _occupancy_definitions() -> list[Definition]:
    out = []
    for target in sorted(set(LENVATINIB_TARGETS) | set(SORAFENIB_TARGETS),
                         key=lambda t: (LENVATINIB_TARGETS + SORAFENIB_TARGETS).index(t)):
        terms = []
        if target in LENVATINIB_TARGETS:
            terms.append(f"c_len / (potency_shift_len * ic50_len_{target.lower()})")
        if target in SORAFENIB_TARGETS:
            terms.append(f"c_sor / (potency_shift_sor * ic50_sor_{target.lower()})")
        z = " + ".join(terms)
        drugs = " and ".join(d for d, ts in (("lenvatinib", LENVATINIB_TARGETS), ("sorafenib", SORAFENIB_TARGETS))
                             if target in ts)
        out.append(Definition(f"occ_{target}", f"({z}) / (1 + {z})", "1",
                              f"{target} occupancy by {drugs} (competitive, additive)", output=True))
    out.append(Definition("occ_PD1", "phi_ab * c_pd1 / (phi_ab * c_pd1 + kd_pd1)", "1",
                          "PD-1 occupancy by the anti-PD-1 antibody in tumour", output=True))
    return out


DEFINITIONS = tuple(_occupancy_definitions()) + (
    Definition("I_V", "occ_VEGFR2 * (1 - r_ang * R)", "1",
               "Effective VEGF-route inhibition (VEGFR2 mediates HCC angiogenesis, ref [5]) after EGFR bypass",
               output=True),
    Definition("I_F", "(occ_FGFR1 + occ_FGFR2 + occ_FGFR3 + occ_FGFR4) / 4", "1",
               "FGF-route inhibition: mean FGFR1-4 occupancy (FGF2/FGFR1-2 on endothelium, FGF19/FGFR4 on "
               "tumour cells; refs [8, 17])", output=True),
    Definition("I_4", "occ_FGFR4", "1", "FGF19-FGFR4 inhibition in tumour cells", output=True),
    Definition("S", "(V_v / K)**theta", "1", "Supply deficit: viable demand over vascular capacity"),
    Definition("f_perf", "1 / (1 + ((V_v + V_n) / K)**4)**(1/4)", "1",
               "Share of the lesion within reach of its vasculature: a smooth min(1, K / (V_v + V_n)) - the tissue "
               "volume the vessels can supply over the whole (viable + necrotic) lesion, capped at 1 (~0.95 in an "
               "untreated tumour at diagnosis, ~0.3 once lenvatinib has pruned the vessels)", output=True),
    Definition("k_nec", "k_clear_avasc + (k_clear - k_clear_avasc) * f_perf", "1/day",
               "Necrotic-tissue resorption rate: perfusion-limited, from k_clear (perfused) down to k_clear_avasc "
               "(devascularised coagulative necrosis)", output=True),
    Definition("E_dir", "(e_fgfr4 * fgf19 * I_4 + e_raf * occ_RAF1) * (1 - r_prol * R)", "1",
               "Direct antiproliferative effect (FGF19-FGFR4 for lenvatinib, RAF for sorafenib) after EGFR bypass",
               output=True),
    Definition("A_drive", "(1 - phi_fgf) * (1 - I_V) + phi_fgf * F * (1 - I_F)", "1",
               "Angiogenic drive relative to untreated: VEGF route plus FGF route", output=True),
    Definition("A_fgf", "phi_fgf * F * (1 - I_F)", "1", "FGF-route part of the angiogenic drive", output=True),
    Definition("H_pd", "(L * (1 - occ_PD1))**n_pd1 / ((L * (1 - occ_PD1))**n_pd1 + l50**n_pd1)", "1",
               "Fraction of effector function suppressed by PD-1/PD-L1 engagement", output=True),
    Definition("M_vasc", "2 * K / (K + V_v) * (1 + kappa_q * Q)", "1",
               "T-cell delivery: vascular supply per viable volume, raised by normalisation", output=True),
    Definition("k_imm", "k_kill * E * (1 - H_pd) / (1 + T_r / t50)", "1/day",
               "Immune killing rate of viable tumour cells", output=True),
    Definition("D_egfr", "w_fgfr * occ_FGFR4 + (1 - w_fgfr) * occ_VEGFR2", "1",
               "Drive of EGFR-bypass activation by FGFR4/VEGFR2 blockade"),
    Definition("h_os", "h0_os * (V_v / v_ref)**beta_os_size * exp(beta_ecog * ecog + beta_albi * (albi - albi_ref)"
               " + beta_afp * afp_high + beta_mvi * mvi + beta_ehs * ehs)", "1/day", "Death hazard", output=True),
    Definition("h_nl", "h0_nl * (V_v / v_ref)**beta_nl_size * exp(beta_nl_mvi * mvi + beta_nl_ehs * ehs)", "1/day",
               "New-lesion hazard", output=True),
    Definition("d_recist", "10 * (6 * (V_v + V_n) / pi)**(1/3)", "mm",
               "RECIST 1.1 diameter: sphere of the total (viable + necrotic) burden", output=True),
    Definition("d_mrecist", "10 * (6 * V_v / pi)**(1/3)", "mm",
               "mRECIST diameter: sphere of the viable (enhancing) burden", output=True),
    Definition("viable_fraction", "V_v / (V_v + V_n)", "1", "Viable share of the total burden", output=True),
)

FLUXES = (
    # tumour
    Flux("proliferation", "k_prol * (1 - E_dir) * V_v", None, "V_v",
         "Proliferation of viable cells, reduced by direct FGFR4/RAF blockade"),
    Flux("starvation", "k_prol * S * V_v", "V_v", "V_n",
         "Hypoxic/starvation death when demand approaches vascular capacity (refs [3, 17])"),
    Flux("immune_killing", "k_imm * V_v", "V_v", None,
         "Killing by effector CD8 T cells: apoptotic death, removed by the infiltrate's phagocytes (efferocytosis, "
         "hours) rather than left as non-enhancing necrosis - immune responses shrink the whole lesion"),
    Flux("necrosis_clearance", "k_nec * V_n", "V_n", None,
         "Resorption of necrotic tissue by phagocytes delivered through the vasculature (perfusion-limited)"),
    # vasculature (Hahnfeldt 1999 with a two-route stimulation and a drug pruning term)
    Flux("angiogenesis", "b_ang * A_drive * V_v", None, "K",
         "Vascular stimulation by viable tumour through the VEGF and FGF routes (Hahnfeldt b*V)"),
    Flux("endogenous_inhibition", "b_ang / v_max**(2/3) * K * V_v**(2/3)", "K", None,
         "Endogenous inhibition of vasculature (Hahnfeldt d*K*V^(2/3), with d = b/v_max^(2/3))"),
    Flux("vessel_pruning", "e_prune * I_V * K", "K", None,
         "Regression of immature vessels on VEGF withdrawal (Hahnfeldt drug term)"),
    Flux("fgf_upregulation", "k_fgf * (1 + a_fgf * I_V)", None, "F",
         "FGF signal synthesis, upregulated under VEGFR blockade (evasive resistance)"),
    Flux("fgf_turnover", "k_fgf * F", "F", None, "FGF signal turnover"),
    Flux("normalisation", "k_qon * I_V * (1 - Q)", None, "Q", "Vessel normalisation by VEGFR2 blockade"),
    Flux("normalisation_loss", "k_qoff * Q", "Q", None, "Loss of normalisation"),
    # resistance
    Flux("egfr_activation", "k_ron * egfr * D_egfr * (1 - R)", None, "R",
         "Compensatory EGFR(-PAK2-ERK5) activation under FGFR/VEGFR blockade (ref [16])"),
    Flux("egfr_reversal", "k_roff * R", "R", None, "Reversal of EGFR-bypass activation"),
    # immunity
    Flux("t_recruitment", "k_rec * M_vasc", None, "E", "Recruitment of effector CD8 T cells through the vasculature"),
    Flux("t_death", "k_edeath * E", "E", None, "Effector T-cell death"),
    Flux("exhaustion", "k_exh * H_pd * E", "E", "X", "Exhaustion driven by PD-1 engagement"),
    Flux("reinvigoration", "k_reinv * occ_PD1 * X", "X", "E", "Reinvigoration of progenitor-exhausted cells by PD-1 blockade"),
    Flux("x_death", "k_xdeath * X", "X", None, "Exhausted T-cell death"),
    Flux("treg_influx", "k_treg * (1 - eps_t4 * I_4) * (1 - eps_tv * occ_VEGFR2)", None, "T_r",
         "Treg differentiation/influx, reduced by FGFR4 (ref [15]) and VEGFR2 (ref [45]) blockade"),
    Flux("treg_loss", "k_tdeath * T_r", "T_r", None, "Treg loss"),
    Flux("pdl1_synthesis", "k_pdl1 * (1 + a_ifng * G / (G + g50)) * (1 - eps_l4 * I_4)", None, "L",
         "PD-L1 expression, induced by IFN-gamma and reduced by FGFR4 blockade (ref [15])"),
    Flux("pdl1_turnover", "k_pdl1 * L", "L", None, "PD-L1 turnover"),
    Flux("ifng_secretion", "k_ifng * E", None, "G", "IFN-gamma secretion by effector T cells"),
    Flux("ifng_clearance", "k_ifng * G", "G", None, "IFN-gamma clearance (fast)"),
    # hazards
    Flux("new_lesion_hazard", "h_nl", None, "H_nl", "Accumulation of the new-lesion hazard"),
    Flux("death_hazard", "h_os", None, "H_os", "Accumulation of the death hazard"),
)


def hcc_model() -> ModelSpec:
    """The HCC model specification (parameters in the order of the parameter file); built once per process."""
    return _hcc_model()


@lru_cache(maxsize=1)
def _hcc_model() -> ModelSpec:
    return ModelSpec(
        name="lenvici_hcc",
        states=STATES,
        inputs=INPUTS,
        parameters=load_parameters().names,
        definitions=DEFINITIONS,
        fluxes=FLUXES,
        description=(
            "Lenvatinib/sorafenib +/- anti-PD-1 in HCC: kinase target engagement, viable and necrotic tumour, "
            "Hahnfeldt vascular capacity with VEGF and FGF routes, normalisation, CD8/Treg/PD-L1 immunity, "
            "EGFR-bypass resistance, new-lesion and death hazards."
        ),
    )
