"""Schema migrations run once each, in order, and a database is brought up to date at start-up."""

from __future__ import annotations

import sqlalchemy as sa

from knowledge import Catalog
from knowledge.migrations import migrate


def test_each_migration_runs_once_in_order(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    calls: list[str] = []
    steps = [("m001", lambda conn: calls.append("m001")), ("m002", lambda conn: calls.append("m002"))]
    with engine.begin() as conn:
        assert migrate(conn, steps[:1]) == ["m001"]
    with engine.begin() as conn:
        assert migrate(conn, steps) == ["m002"]
    with engine.begin() as conn:
        assert migrate(conn, steps) == []
    assert calls == ["m001", "m002"]


def test_opening_the_catalog_twice_keeps_its_contents(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Catalog(url).record(doc_id="a", version=1, path="/a.md", title="A", url=None, owner=None,
                        content_hash="h", text="t", chunk_ids=["a#1"])
    assert Catalog(url).get("a").chunk_ids == ("a#1",)
