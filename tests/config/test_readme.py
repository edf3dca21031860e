"""README.md documents every environment variable the settings read (the table must not drift)."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_every_setting_variable_is_in_the_configuration_table() -> None:
    settings_source = (BASE_DIR / "config" / "settings.py").read_text()
    reader = r"env_(?:str|bool|int|list|choice|json)\(\s*\"([A-Z0-9_]+)\""
    read = set(re.findall(reader, settings_source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CACHE_URL"} <= read  # the pattern works
    readme = (BASE_DIR / "README.md").read_text()
    table_rows = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert sorted(read - table_rows) == []
    assert sorted(table_rows - read) == []  # no row for a variable nobody reads
