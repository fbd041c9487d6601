"""The regimen-class rule (lenvici.knowledge.regimen docstring), one case per clause."""

import pytest

from lenvici.knowledge.regimen import COMPONENTS, regimen_class


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        (["lenvatinib", "pembrolizumab"], "LEN+ICI"),
        (["pembrolizumab", "lenvatinib"], "LEN+ICI"),  # order of listing does not matter
        (["lenvatinib", "anti-pd-1"], "LEN+ICI"),
        (["tremelimumab", "durvalumab"], "ICI"),  # two ICIs are still ICI
        (["tace", "lenvatinib", "anti-pd-1"], "TACE+LEN+ICI"),
        (["haic-folfox", "lenvatinib", "toripalimab"], "HAIC+LEN+ICI"),
        (["folfox", "lenvatinib", "toripalimab"], "LEN+ICI+CHEMO"),
        (["tace", "mwa", "lenvatinib", "anti-pd-1"], "TACE+MWA+LEN+ICI"),
        (["tace", "lenvatinib", "anti-pd-1", "i125-seeds"], "TACE+I125+LEN+ICI"),
        (["lenvatinib", "placebo"], "LEN"),
        (["placebo"], "PBO"),
        (["sorafenib"], "SOR"),
        (["atezolizumab", "bevacizumab"], "BEV+ICI"),
        (["regorafenib", "anti-pd-1"], "TKI+ICI"),
    ],
)
def test_regimen_class(components, expected):
    assert regimen_class(components) == expected


def test_unknown_component_is_named():
    with pytest.raises(ValueError, match="unknown regimen component 'lenvatinibb'"):
        regimen_class(["lenvatinibb"])


def test_every_ici_in_the_vocabulary_maps_to_ici():
    for name in ["pembrolizumab", "nivolumab", "sintilimab", "toripalimab", "tislelizumab", "camrelizumab",
                 "atezolizumab", "durvalumab", "ipilimumab", "tremelimumab", "cadonilimab", "relatlimab"]:
        assert COMPONENTS[name] == "ICI"
