"""Example: read the fields printed on a resident ID card (clean: nothing is inferred)."""
from dataclasses import dataclass


@dataclass
class IdCard:
    name: str
    sex: str
    nation: str  # 民族 as printed on the ID card, copied from the card chip
    birth: str
    address: str


def parse(block: dict) -> IdCard:
    """Copy the ID card fields as read from the card reader."""
    return IdCard(block["name"], block["sex"], block["nation"], block["birth"], block["address"])
