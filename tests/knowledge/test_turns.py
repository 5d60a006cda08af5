"""Messages read on several threads, their Python one at a time (bot/knowledge/turns.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from bot.knowledge import turns


def _together(*targets: Callable[[], None]) -> None:
    """Run the functions on threads of their own at once, and wait for them (10 s at most)."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def test_a_reader_waits_for_the_turn_and_gets_it_while_the_holder_computes():
    order: list[str] = []
    computing, done = threading.Event(), threading.Event()

    def first() -> None:
        with turns.reading():
            order.append("first reads")
            with turns.computing():
                computing.set()
                assert done.wait(5)  # the second reads meanwhile
                order.append("first computed")
            order.append("first reads again")

    def second() -> None:
        assert computing.wait(5)
        with turns.reading():
            order.append("second reads")
        done.set()

    _together(first, second)
    assert order == ["first reads", "second reads", "first computed", "first reads again"]


def test_a_reader_never_runs_while_another_holds_the_turn():
    holding, tried = threading.Event(), threading.Event()
    got: list[bool] = []

    def other() -> None:
        assert holding.wait(5)
        tried.set()
        with turns.reading():
            got.append(True)

    thread = threading.Thread(target=other)
    thread.start()
    with turns.reading():
        holding.set()
        assert tried.wait(5)
        thread.join(0.3)
        assert not got  # still waiting: the turn is held
    thread.join(5)
    assert got == [True]


def test_computing_without_the_turn_just_computes():
    with turns.computing():  # the encoder's read-ahead thread, or a reader on its own
        pass
    with turns.reading(), turns.computing():
        pass  # given up and taken back
    with turns.reading():
        pass  # free again


def test_what_a_reader_keeps_of_its_message_across_an_encoder_run_is_its_own(kb):
    """A message's clauses, read in its context, stay its own while another message is read during one
    of its encoder runs (reading.py keeps them per thread): its parts get the same meaning."""
    mine = ["my red marks hurt", "what does the serum do"]
    theirs = ["is the fluid ok for oily skin", "how long till it works"]
    with turns.reading():
        kb.read(mine)
        expected = kb.meaning_of(mine[1:])
    other_read, go_on = threading.Event(), threading.Event()
    got: list[object] = []

    def reader() -> None:
        with turns.reading():
            kb.read(mine)
            with turns.computing():  # as during a clause read alone
                go_on.set()
                assert other_read.wait(5)
            got.append(kb.meaning_of(mine[1:]))

    def other() -> None:
        assert go_on.wait(5)
        with turns.reading():
            kb.read(theirs)
        other_read.set()

    _together(reader, other)
    assert got == [expected]
