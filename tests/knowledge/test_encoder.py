"""The pretrained sentence encoder is the model it claims to be: pinned files, reference sentences whose
similarities all-MiniLM-L6-v2 is known to give (the fp32 safetensors of the other package agree to
within 0.001: docs/understanding.md), and a build that computes in int8 what the package's model
computes in float."""

import threading
from collections.abc import Callable

import numpy as np
import pytest
import yaml

from bot.config import ROOT
from bot.knowledge import encoder
from bot.knowledge.encoder import EncoderError, get_encoder

# (a, b, cosine of all-MiniLM-L6-v2's mean-pooled vectors, as ../shared/notes measured)
REFERENCE = [
    ("what causes red marks after pimples", "why do spots leave red marks", 0.81),
    ("what causes red marks after pimples", "how do I track my order", -0.03),
    ("my lips swelled up after using the serum", "my face is swollen and I can't breathe well", 0.44),
    ("my lips swelled up after using the serum", "the bottle got hot in the car", 0.21),
]


@pytest.fixture(scope="module")
def package_model():
    """The package's own model (int8 weights, float compute): what the build is made from."""
    return encoder.Encoder(encoder.package_model())


@pytest.mark.parametrize("a,b,cosine", REFERENCE)
def test_reference_sentences_have_the_known_similarity(package_model, a, b, cosine):
    va, vb = package_model.encode([a, b])
    assert float(va @ vb) == pytest.approx(cosine, abs=0.02)


def test_the_int8_build_means_what_the_package_model_means(package_model):
    """Every question of the standard cases gets nearly the vector the float model gives (cosine >= 0.97),
    and the reference similarities stay within 0.03."""
    texts = [c["text"] for c in yaml.safe_load((ROOT / "tests" / "cases.yml").read_text())["single"]]
    built, package = get_encoder().encode(texts), package_model.encode(texts)
    assert ((built * package).sum(axis=1) >= 0.97).all()
    for a, b, cosine in REFERENCE:
        va, vb = get_encoder().encode([a, b])
        assert float(va @ vb) == pytest.approx(cosine, abs=0.03)


def test_vectors_are_unit_length_and_batching_changes_nothing():
    enc = get_encoder()
    batch = enc.encode(["a short one", "a much longer sentence about acne marks and the serum"])
    alone = enc.encode(["a short one"])
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.allclose(batch[0], alone[0], atol=1e-4)
    assert enc.encode([]).shape == (0, encoder.DIMENSIONS)


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(EncoderError, match="not the pinned model"):
        encoder._checked(fake, encoder.MODEL_SHA256)
    with pytest.raises(EncoderError, match="make setup"):
        encoder._checked(tmp_path / "missing.onnx", encoder.MODEL_SHA256)


def test_a_build_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(encoder, "ENCODER_MODEL", tmp_path / "model.onnx")
    with pytest.raises(EncoderError, match="make setup"):
        encoder.built_model()
    (tmp_path / "model.onnx").write_bytes(b"an older build")
    with pytest.raises(EncoderError, match="not the pinned build"):
        encoder.built_model()


def test_a_message_read_in_pieces_is_the_message_read_whole():
    """Serving (encode_pieces) and training (encode) give one text the same vector."""
    text = "my red marks wont fade, which serum should i use"
    whole, pieces = get_encoder().encode_pieces([text])
    assert np.allclose(whole, get_encoder().encode([text])[0], atol=1e-5)


def test_the_meaning_model_is_fitted_once_then_loaded(tmp_path, monkeypatch):
    """load_or_fit keeps the fitted model: a second process loads it (no fit), with the same ranking."""
    from bot.knowledge import semantic
    from bot.knowledge.examples import Example

    examples = [Example(t, i) for i, texts in {
        "ask_price": ["how much is it", "what does it cost", "is it expensive"],
        "greet": ["hello there", "hi", "good morning"]}.items() for t in texts]
    first = semantic.load_or_fit(examples, get_encoder(), tmp_path)
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["examples", "meaning"]
    monkeypatch.setattr(semantic, "fit", lambda *a: pytest.fail("fitted again"))
    again = semantic.load_or_fit(examples, get_encoder(), tmp_path)
    vector = get_encoder().encode(["what's the price"])[0]
    assert again.rank(vector)[0][0] == first.rank(vector)[0][0] == "ask_price"


def test_a_full_meaning_cache_empties_without_losing_the_texts_being_read(kb, monkeypatch):
    """The cache of sentence vectors is emptied when full, possibly halfway through one message's clauses
    (a long-running server crashed there with a KeyError): every clause still gets its own vector."""
    from bot.knowledge import reading

    monkeypatch.setattr(reading, "MEANING_CACHE", 1)
    monkeypatch.setattr(kb, "_vectors", {})
    texts = ["my spot is swollen", "is that true", "my spot is swollen", "what does the serum do"]
    vectors = kb.vectors(texts)
    assert [len(v) for v in vectors] == [384] * 4
    assert np.allclose(vectors[1], get_encoder().encode(["is that true"])[0], atol=1e-5)
    assert np.allclose(vectors[0], vectors[2])


def test_a_one_clause_message_reads_in_context_as_it_reads_alone(kb, monkeypatch):
    """A message of one clause means in context what it means alone (the whole's mean over all its tokens,
    as the classifier's examples were read), not its piece's pooling without [CLS] and [SEP]: the red-flag
    threshold is crossed the same way however the message arrives."""
    monkeypatch.setattr(kb, "_vectors", {})
    text = "sudden flashing lights in my eye"
    _, (in_context,) = kb.read([text])
    monkeypatch.setattr(kb, "_vectors", {})
    (alone,) = kb.meaning([text])
    assert [i for i, _ in in_context[:3]] == [i for i, _ in alone[:3]]
    assert np.allclose([c for _, c in in_context[:3]], [c for _, c in alone[:3]], atol=1e-4)


def test_an_encoding_started_ahead_is_the_one_read():
    """`start` runs the model in the background; `encode_pieces` of the same pieces takes that result:
    the very vectors of a plain call. Encodings started and never read are not kept without bound."""
    enc = get_encoder()
    pieces = ["my red marks wont fade", "which serum should i use"]
    plain = enc.encode_pieces(pieces)
    enc.start(pieces)
    enc.start(pieces)  # started once
    assert list(enc._started) == [tuple(pieces)]
    ahead = enc.encode_pieces(pieces)
    assert not enc._started
    assert all(np.array_equal(a, b) for a, b in zip(plain, ahead, strict=True))
    for n in range(3 * encoder.STARTED_KEPT):
        enc.start([f"message {n} that nobody reads"])
    assert len(enc._started) <= encoder.STARTED_KEPT
    enc._started.clear()


def test_the_texts_named_after_a_run_started_ahead_are_encoded_next_and_the_ones_read():
    """`start(pieces, then)`: given the message's vectors (the very ones `encode_pieces` returns), `then`
    names texts the thread encodes next; `encode` takes those: the very vectors of a plain call. A start
    drops what the message before left queued, and texts started are not kept without bound."""
    enc = get_encoder()
    pieces = ["my cheek is hot and swollen", "also which serum is best"]
    plain_whole, plain = enc.encode_pieces(pieces), enc.encode(pieces)
    given, pooled = [], []

    def then(whole: np.ndarray, each: np.ndarray, within: Callable[[list[str]], list]) -> list[str]:
        given.append((whole, each))
        pooled.append(within([*pieces, "not in the message"]))
        return pieces

    enc.start(pieces, then)
    whole = enc.encode_pieces(pieces)
    assert all(np.array_equal(a, b) for a, b in zip(plain_whole, whole, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(given[0], whole, strict=True))
    # a piece pooled as a fragment of the run is the piece's own vector; a text the run doesn't hold is None
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(pooled[0][:2], whole[1], strict=True))
    assert pooled[0][2] is None and enc.within(["my cheek is hot"])[0] is not None
    assert set(enc._started_alone) == set(pieces)
    assert np.array_equal(plain, enc.encode(pieces)) and not enc._started_alone
    gate = threading.Event()

    def busy(*_: np.ndarray) -> list[str]:
        enc._thread().submit(gate.wait, 5)  # the thread busy after this: the clause named stays queued
        return ["a clause nobody reads"]

    enc.start(["a message"], busy)
    for _ in range(500):  # (until the thread has queued it)
        if "a clause nobody reads" in enc._started_alone:
            break
        gate.wait(0.01)
    threading.Timer(0.2, gate.set).start()
    enc.start(["the next message"])
    enc.encode_pieces(["the next message"])
    assert "a clause nobody reads" not in enc._started_alone
    for n in range(3 * encoder.STARTED_KEPT):
        enc.start([f"message {n}"], lambda *_, n=n: [f"a clause {n} nobody reads", f"another {n}"])
        enc.encode_pieces([f"message {n}"])
    assert len(enc._started_alone) <= 4 * encoder.STARTED_KEPT
    enc._started.clear()
    enc._started_alone.clear()


def test_a_failure_naming_what_to_read_next_leaves_the_message_its_vectors(caplog):
    """What `then` names is only read sooner: if it fails, the message still gets its own vectors (the
    same as a plain call) and the failure is logged."""
    enc = get_encoder()
    pieces = ["my marks are brown", "what helps"]
    plain = enc.encode_pieces(pieces)
    enc.start(pieces, lambda *_: [1 / 0])
    ahead = enc.encode_pieces(pieces)
    assert all(np.array_equal(a, b) for a, b in zip(plain, ahead, strict=True))
    assert "naming the texts to read ahead failed" in caplog.text and not enc._started_alone


def test_several_texts_of_a_message_read_ahead_are_encoded_on_both_threads(monkeypatch):
    """For a message read ahead (a core to spare), `encode` of several new texts queues them on the
    background thread and runs the queued ones it wants itself, longest first, instead of only waiting:
    the very vectors of a plain call. For a message not read ahead, all run on the calling thread."""
    enc = get_encoder()
    texts = ["my chin is sore and hot to touch", "it keeps getting bigger", "and what does the serum do"]
    plain = enc.encode(texts)
    run_by: list[tuple[str, int]] = []
    vector = enc._vector

    def recorded(text: str) -> np.ndarray:
        run_by.append((text, threading.get_ident()))
        return vector(text)

    monkeypatch.setattr(enc, "_vector", recorded)
    enc.start(["a message"])
    enc.encode_pieces(["a message"])
    gate = threading.Event()
    enc._thread().submit(gate.wait, 5)  # the thread busy: the caller takes every queued text itself
    assert np.array_equal(plain, enc.encode(texts))
    gate.set()
    here = threading.get_ident()
    assert run_by == [(t, here) for t in sorted(texts, key=len, reverse=True)] and not enc._started_alone
    run_by.clear()
    enc.start(["another message"])
    gate = threading.Event()
    enc._thread().submit(gate.wait, 5)
    enc.encode_pieces(["another message"])
    gate.set()
    texts = [f"{t} again" for t in texts]
    enc.encode(texts)
    assert {t for t, _ in run_by} == set(texts) and len(run_by) == 3  # each encoded once, on either thread
    run_by.clear()
    enc.encode_pieces(["a message not read ahead"])
    enc.encode([f"{t} once more" for t in texts])
    assert {thread for _, thread in run_by} == {here}


def test_a_caller_waiting_for_the_thread_reads_what_the_thread_would_read_next(monkeypatch):
    """While the background thread runs a text the caller asked for, the caller runs the text queued
    after it (named ahead by the message's run, asked for later) instead of only waiting; asked for
    then, it is not run again: the very vectors of a plain call."""
    enc = get_encoder()
    first, next_ = "it is hot", "and it keeps spreading to my neck"
    plain = enc.encode([first, next_])
    run_by: list[tuple[str, int]] = []
    vector, gate = enc._vector, threading.Event()

    def recorded(text: str) -> np.ndarray:
        if text == first:
            gate.wait(5)  # the thread is still on it: set once the caller has read the next text
        run_by.append((text, threading.get_ident()))
        out = vector(text)
        if text == next_:
            gate.set()
        return out

    monkeypatch.setattr(enc, "_vector", recorded)
    enc.start(["a message"], lambda *_: [first, next_])  # queued shortest first: the thread takes `first`
    enc.encode_pieces(["a message"])
    for _ in range(500):  # (until the thread has begun it)
        if first in enc._started_alone and enc._started_alone[first].running():
            break
        gate.wait(0.01)
    assert np.array_equal(plain[0], enc.encode([first])[0])
    assert (next_, threading.get_ident()) in run_by
    assert np.array_equal(plain[1], enc.encode([next_])[0]) and len(run_by) == 2 and not enc._started_alone
