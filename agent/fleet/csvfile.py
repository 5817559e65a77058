"""The accounts file an operator imports: one mailbox a row, every mistake said as its line and column."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr, ValidationError

from agent.config import ImapSettings, ProfileSettings
from agent.errors import InputError

COLUMNS = ("name", "email", "imap_host", "imap_port", "security", "username", "password")
# A password may be left empty on a re-import: the one already sealed is kept.
OPTIONAL = frozenset({"name", "imap_port", "security", "password"})


class CsvError(InputError):
    """The file has mistakes: every one of them, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AccountRow:
    """One mailbox as the file gives it, checked as a config's [imap] and [profile] would be."""

    line: int
    name: str
    email: str
    imap_host: str
    imap_port: int | None
    security: str
    username: str
    password: str | None
    """None: keep the password already imported for this address."""


def read_accounts(path: Path) -> list[AccountRow]:
    """Every row of the file, or CsvError listing every mistake (nothing is imported from a file with one)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is no part of the first column
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    problems = _header_problems(path, header)
    if problems:
        raise CsvError(problems)
    rows: list[AccountRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(f"{path} line {line}: more cells than columns")
            continue
        row, said = _row(line, cells)
        problems += [f"{path} line {line}: {p}" for p in said]
        if row is None:
            continue
        key = row.email.lower()
        if key in seen:
            problems.append(f"{path} line {line}: email: {row.email} is also on line {seen[key]}")
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        raise CsvError(problems)
    return rows


def _header_problems(path: Path, header: list[str]) -> list[str]:
    if not header:
        return [f"{path}: empty; the first line names the columns: {','.join(COLUMNS)}"]
    problems = []
    for column in header:
        if column not in COLUMNS:
            close = difflib.get_close_matches(column, COLUMNS, n=1)
            problems.append(f"{path} line 1: unknown column {column!r}" + (f" (did you mean {close[0]}?)" if close else ""))
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    if missing:
        problems.append(f"{path} line 1: missing column(s) {', '.join(missing)} (the columns are {','.join(COLUMNS)})")
    return problems


def _row(line: int, cells: dict[str, str]) -> tuple[AccountRow | None, list[str]]:
    problems = []
    port: int | None = None
    if cells.get("imap_port"):
        try:
            port = int(cells["imap_port"])
        except ValueError:
            problems.append(f"imap_port: {cells['imap_port']!r} is not a number")
    security = cells.get("security") or "ssl"
    password = cells.get("password") or None
    try:
        # The same checks as a config's [imap] and [profile]: a port in range, "none" only on loopback, an address.
        ImapSettings(host=cells.get("imap_host", ""), port=port, security=security, username=cells.get("username", ""),  # type: ignore[arg-type]
                     password=SecretStr(password or "x"))
        ProfileSettings(name=cells.get("name", ""), email=cells.get("email", ""))
    except ValidationError as exc:
        for error in exc.errors():
            said = error["msg"].removeprefix("Value error, ")
            where = ".".join(str(p) for p in error["loc"])
            column = {"host": "imap_host", "port": "imap_port"}.get(where, where)
            problems.append(f"{column}: {said}" if column else said)  # a check across columns names its own
    for column in ("email", "imap_host", "username"):
        if not cells.get(column):
            problems.append(f"{column}: missing")
    if problems:
        return None, sorted(set(problems))
    return AccountRow(line, cells.get("name", ""), cells["email"], cells["imap_host"], port, security, cells["username"], password), []
