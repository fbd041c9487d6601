"""Simulation: pharmacokinetics (:mod:`lenvici.sim.pk`), the mechanistic PD/disease model
(:mod:`lenvici.sim.model`), the batched integrator (:mod:`lenvici.sim.solver`) and the pre-treatment growth
phase (:mod:`lenvici.sim.pretreatment`).

The subpackages are imported by name; this package re-exports nothing so that importing one part never
pulls in another.
"""

__all__: list[str] = []
