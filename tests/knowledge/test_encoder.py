"""The pretrained sentence encoder is the model it claims to be: pinned files, reference sentences whose
similarities all-MiniLM-L6-v2 is known to give (the fp32 safetensors of the other package agree to
within 0.001: docs/understanding.md), and a build that computes in int8 what the package's model
computes in float."""

import threading

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


def test_texts_started_ahead_to_be_read_alone_are_the_ones_read():
    """`start(pieces, alone)` encodes each text `alone` in the background after the pieces (the clauses
    the red-flag finding reads alone); `encode` takes those: the very vectors of a plain call."""
    enc = get_encoder()
    pieces = ["my cheek is hot and swollen", "also which serum is best"]
    plain = enc.encode(pieces)
    enc.start(pieces, pieces)
    assert set(enc._started_alone) == set(pieces)
    ahead = enc.encode(pieces)
    assert not enc._started_alone
    assert np.array_equal(plain, ahead)
    enc.encode_pieces(pieces)
    for n in range(3 * encoder.STARTED_KEPT):
        enc.start([f"message {n}"], [f"a clause {n} nobody reads", f"another {n}"])
        enc.encode_pieces([f"message {n}"])
    assert len(enc._started_alone) <= 4 * encoder.STARTED_KEPT
    enc._started_alone.clear()


def test_the_caller_encodes_the_queued_texts_it_wants_itself_instead_of_waiting(monkeypatch):
    """While the background thread runs, a caller of `encode_pieces` or `encode` takes the texts it
    wants that were started alone and are still queued, last first, and runs them itself (both cores
    busy): the very vectors of a plain call; the texts it doesn't want are left to the thread."""
    enc = get_encoder()
    pieces = ["my chin is sore and hot to touch", "it keeps getting bigger", "and what does the serum do",
              "also is the fluid ok for oily skin"]
    plain_whole, plain = enc.encode_pieces(pieces), enc.encode(pieces)
    run_by: dict[str, int] = {}
    vector, run, gate = enc._vector, enc._run, threading.Event()

    def recorded(text: str) -> np.ndarray:
        run_by[text] = threading.get_ident()
        return vector(text)

    def held(ids: np.ndarray, running: threading.Event) -> np.ndarray:
        running.set()
        gate.wait(5)  # the thread is busy with the message: the texts read alone stay queued
        return run(ids, threading.Event())

    monkeypatch.setattr(enc, "_vector", recorded)
    monkeypatch.setattr(enc, "_run", held)
    enc.start(pieces, pieces)
    last = enc.encode([pieces[-1]])
    assert run_by == {pieces[-1]: threading.get_ident()}  # the one wanted, taken here; the rest queued
    gate.set()
    whole = enc.encode_pieces(pieces)
    ahead = enc.encode(pieces[:-1])
    assert all(np.array_equal(a, b) for a, b in zip(plain_whole, whole, strict=True))
    assert np.array_equal(plain, np.vstack([ahead, last]))
    assert set(run_by) == set(pieces) and not enc._started_alone
