"""agent/cli/progress.py: a bar only on a terminal, only for a pass that takes a while, log lines above it."""

from __future__ import annotations

import io
import logging
import sys

from rich.console import Console

from agent.cli.progress import PassProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=80), out


def test_a_short_pass_shows_no_bar() -> None:
    console, out = terminal()
    clock = Clock()
    with PassProgress(console, clock, after=3.0) as progress:
        progress("INBOX", 0, 500)
        clock.now += 2.9
        progress("INBOX", 250, 500)
        assert progress.bar is None
    assert out.getvalue() == ""


def test_a_long_pass_shows_a_bar_that_goes_away() -> None:
    console, out = terminal()
    clock = Clock()
    with PassProgress(console, clock, after=3.0) as progress:
        progress("INBOX", 0, 500)
        clock.now += 3.5
        progress("INBOX", 100, 500)
        assert progress.bar is not None
        progress("INBOX", 450, 500)
        progress.bar.refresh()
        assert "reading INBOX" in out.getvalue() and "450/500" in out.getvalue()
    assert progress.bar is None


def test_no_bar_when_not_a_terminal() -> None:
    out = io.StringIO()
    clock = Clock()
    with PassProgress(Console(file=out, force_terminal=False), clock, after=0.0) as progress:
        clock.now += 60
        progress("INBOX", 10, 500)
        assert progress.bar is None
    assert out.getvalue() == ""


def test_no_bar_for_a_folder_already_done() -> None:
    console, _ = terminal()
    clock = Clock()
    progress = PassProgress(console, clock, after=0.0)
    clock.now += 10
    progress("INBOX", 500, 500)
    assert progress.bar is None


def test_log_lines_go_above_the_bar_and_logging_gets_its_stream_back() -> None:
    console, out = terminal()
    clock = Clock()
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    original = handler.stream
    try:
        with PassProgress(console, clock, after=0.0) as progress:
            clock.now += 1
            progress("INBOX", 1, 500)
            assert handler.stream is not original and handler.stream is sys.stderr
            logging.getLogger("agent.test").warning("a line during the bar")
        assert handler.stream is original
        assert "a line during the bar" in out.getvalue()
    finally:
        root.removeHandler(handler)
