"""Answers in progress are kept for a while on the server, and then forgotten."""

from __future__ import annotations

from public_form.drafts import DraftStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_draft_is_forgotten_an_idle_hour_after_its_last_use() -> None:
    clock = Clock()
    drafts = DraftStore(ttl_seconds=3600, clock=clock)
    session_id = drafts.new()
    clock.now = 3000
    assert drafts.get(session_id) is not None  # used: the hour starts again
    clock.now = 6500
    assert drafts.get(session_id) is not None
    clock.now = 10_101
    assert drafts.get(session_id) is None


def test_the_store_is_bounded_and_drops_the_least_recently_used_first() -> None:
    clock = Clock()
    drafts = DraftStore(max_drafts=2, clock=clock)
    first, second = drafts.new(), drafts.new()
    assert drafts.get(first) is not None  # first is now the most recent
    third = drafts.new()

    assert drafts.get(second) is None
    assert drafts.get(first) is not None and drafts.get(third) is not None


def test_session_ids_are_long_random_and_unknown_ones_find_nothing() -> None:
    drafts = DraftStore()
    ids = {drafts.new() for _ in range(100)}

    assert len(ids) == 100 and all(len(i) >= 40 for i in ids)
    assert drafts.get("guessed") is None and drafts.get(None) is None
