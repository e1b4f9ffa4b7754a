"""Registry of relation families (name -> Family); see fam_common.Family for the contract."""

from __future__ import annotations

from . import fam_adjacency, fam_kitchen, fam_placement, fam_support, fam_tools
from .fam_common import Family

FAMILIES: dict[str, Family] = {
    f.name: f
    for module in (fam_support, fam_adjacency, fam_placement, fam_kitchen, fam_tools)
    for f in module.FAMILIES
}
