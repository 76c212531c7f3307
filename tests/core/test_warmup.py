"""The start-up warm-up runs the engine's first calls without error."""

from __future__ import annotations

import core.warmup as warmup


def test_the_warm_up_makes_every_first_call():
    assert warmup.warm_up() == []


def test_a_failing_call_is_named_and_the_rest_still_run(monkeypatch):
    import core.projection as projection

    def broken(*args, **kwargs):
        raise RuntimeError("no LAPACK today")

    monkeypatch.setattr(projection, "project_2d", broken)
    assert warmup.warm_up() == ["project_2d"]
