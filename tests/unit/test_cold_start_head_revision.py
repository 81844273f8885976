"""The newest revision is read from the version files' text, and doubt means "ask Alembic".

``head_revision`` lets a start on a current schema skip Alembic; whenever the
files are not a simple chain it answers None, and the migration goes through
Alembic as it always did.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.database import head_revision


def _script(directory: Path, name: str, revision: str, down: str | None) -> None:
    down_text = "None" if down is None else f'"{down}"'
    (directory / name).write_text(
        f'"""{name}"""\n\n'
        "from alembic import op\n\n"
        f'revision: str = "{revision}"\n'
        f"down_revision: str | None = {down_text}\n"
        "branch_labels = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.execute('SELECT 1')\n",
        encoding="utf-8",
    )


def test_a_chain_has_its_last_revision_as_head(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first.py", "0001", None)
    _script(tmp_path, "0002_second.py", "0002", "0001")
    _script(tmp_path, "0003_third.py", "0003", "0002")
    assert head_revision(tmp_path) == "0003"


def test_two_heads_are_left_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first.py", "0001", None)
    _script(tmp_path, "0002_a.py", "0002a", "0001")
    _script(tmp_path, "0002_b.py", "0002b", "0001")
    assert head_revision(tmp_path) is None


def test_a_merge_revision_is_left_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first.py", "0001", None)
    (tmp_path / "0002_merge.py").write_text(
        'revision = "0002"\ndown_revision = ("0001", "0001b")\n', encoding="utf-8"
    )
    assert head_revision(tmp_path) is None


def test_a_file_without_a_readable_revision_is_left_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first.py", "0001", None)
    (tmp_path / "0002_odd.py").write_text("revision = make_revision()\n", encoding="utf-8")
    assert head_revision(tmp_path) is None


def test_a_parent_no_file_defines_is_left_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0002_second.py", "0002", "0001")
    assert head_revision(tmp_path) is None


def test_the_bots_own_history_has_one_head() -> None:
    assert head_revision() is not None
