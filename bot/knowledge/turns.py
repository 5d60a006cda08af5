"""Messages read on several threads, their Python one at a time.

A server may read two messages at once, each on its own thread (bot/rasa_ext/parsing.py): the sentence
encoder computes without Python, so while one message's encoder runs, another's Python goes on. The
knowledge base and the pipeline before it were written for one reader: a reader holds the turn
(`reading`) for all of its Python and gives it up only while the encoder computes (`computing`, in
encoder.py), so nothing a reader does in Python ever interleaves with another's. What one message keeps
for its own later steps across an encoder run is kept per thread (reading.py, the clauses' vectors).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_turn = threading.Lock()
_here = threading.local()  # `held`: this thread holds the turn


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Hold the turn while a message is read (waits for a reader that has it)."""
    with _turn:
        _here.held = True
        try:
            yield
        finally:
            _here.held = False


@contextlib.contextmanager
def computing() -> Iterator[None]:
    """Give the turn up while the model computes (no Python of ours runs), then take it back; a thread
    that doesn't hold it (the encoder's read-ahead thread, a reader on its own) just computes."""
    if not getattr(_here, "held", False):
        yield
        return
    _here.held = False
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()
        _here.held = True
