"""The pupil-specific cell values (UPN, year group, SEN provision, need code).

Plain functions with no database access. The file reading and the common values (dates,
yes/no, amounts, whole numbers) are the shared import framework's (sendfund/lib/imports/
parsers.py), re-exported here for the pupil imports.
"""

from __future__ import annotations

import re

from pupils.codes import CURRENT_SEN_CODES, NeedCode, SenProvision, YearGroup
from pupils.sen_history import LEGACY_CODES
from sendfund.lib.imports.parsers import (
    UTF8_BOM,
    CellError,
    CellReader,
    FileError,
    Table,
    decode_text,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_optional_date,
    read_table,
)

__all__ = [
    "UTF8_BOM",
    "CellError",
    "CellReader",
    "FileError",
    "Table",
    "decode_text",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_need",
    "parse_optional_date",
    "parse_sen_provision",
    "parse_upn",
    "parse_year_group",
    "read_table",
]

# --- cell values ---------------------------------------------------------------------------


UPN_RE = re.compile(r"^[A-Z]\d{12}$|^[A-Z]\d{11}[A-Z]$")


def parse_upn(value: str) -> str:
    upn = value.strip().upper().replace(" ", "")
    if upn and not UPN_RE.match(upn):
        raise CellError(
            f"{value!r} is not a UPN (a capital letter followed by 12 digits, or by 11 digits "
            "and a letter)."
        )
    return upn


YEAR_GROUPS = frozenset(YearGroup.values)  # looked up once, not per cell
NEED_CODES = frozenset(NeedCode.values)
YEAR_WORDS = {"RECEPTION": "R", "REC": "R", "YR": "R", "NURSERY 1": "N1", "NURSERY 2": "N2"}


def parse_year_group(value: str) -> str:
    text = re.sub(r"\s+", " ", value.strip().upper())
    if text in YEAR_WORDS:
        return YEAR_WORDS[text]
    match = re.fullmatch(r"(?:YEAR|YR|Y|NC)? ?(\d{1,2})", text)
    if match:
        text = str(int(match.group(1)))
    if text in YEAR_GROUPS:
        return text
    raise CellError(f"{value!r} is not a year group: use N1, N2, R or 1 to 14.")


SEN_WORDS = {
    "": SenProvision.NO_SEN,
    "EHC PLAN": SenProvision.EHC_PLAN,
    "EHCP": SenProvision.EHC_PLAN,
    "SEN SUPPORT": SenProvision.SEN_SUPPORT,
    "NO SEN": SenProvision.NO_SEN,
    "NONE": SenProvision.NO_SEN,
}


def parse_sen_provision(value: str) -> str:
    text = value.strip().upper()
    code = SEN_WORDS.get(text, text)
    if code in CURRENT_SEN_CODES:
        return str(code)
    if code in LEGACY_CODES:
        raise CellError(
            f"{value!r} is a legacy code (statement, School Action or Action Plus) that is kept "
            "in history only: use E, K or N."
        )
    raise CellError(f"{value!r} is not an SEN provision code: use E, K or N.")


def parse_need(value: str) -> str:
    code = value.strip().upper()
    if code and code not in NEED_CODES:
        raise CellError(f"{value!r} is not a census need code ({', '.join(NeedCode.values)}).")
    return code
