"""Oral iron products with their elemental iron content (BSG 2021, Table 3)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class IronProduct:
    code: str  # the product, e.g. 'ferrous-fumarate-322'
    drug: str  # the salt, used as the dose event's code
    strength_mg: int
    elemental_iron_mg: int


IRON_PRODUCTS = {
    p.code: p
    for p in [
        IronProduct("ferrous-sulfate-200", "ferrous-sulfate", 200, 65),
        IronProduct("ferrous-fumarate-210", "ferrous-fumarate", 210, 69),
        IronProduct("ferrous-fumarate-322", "ferrous-fumarate", 322, 106),
        IronProduct("ferrous-gluconate-300", "ferrous-gluconate", 300, 37),
        IronProduct("ferric-maltol-30", "ferric-maltol", 30, 30),
    ]
}
IRON_SALTS = sorted({p.drug for p in IRON_PRODUCTS.values()})
