"""lenvici: the science of lenvatinib ± immune-checkpoint inhibitors in hepatocellular carcinoma, executable.

Layers (import order, DESIGN §1): ``errors``/``units``/``provenance`` → ``knowledge`` → ``clinical`` →
``survival`` → ``evidence`` → ``sim`` → ``economics`` → faces (``report``, ``cli``, ``web``).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
