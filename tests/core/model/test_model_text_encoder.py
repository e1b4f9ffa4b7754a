"""Text encoder wrapper with the real bundled all-MiniLM-L6-v2 (offline)."""

from __future__ import annotations

import numpy as np
import pytest

from oor_core.model.text_encoder import TextEncoder, TextEncoderError, shared_encoder


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


def test_identity_without_loading():
    enc = TextEncoder()
    assert enc.identity == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384,
                            "pooling": "mean"}
    assert not enc.loaded


def test_shape_normalised_and_deterministic(encoder):
    texts = ["A cup on a table", "A knife cuts an apple", "A cup on a table"]
    vec = encoder.encode(texts)
    assert vec.shape == (3, 384) and vec.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vec, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vec[0], vec[2])
    assert encoder.encode([])[:0].shape == (0, 384)


def test_semantics(encoder):
    a, b, c = encoder.encode(["A cup on a table", "A mug sits on the table", "A dog barks"])
    assert a @ b > a @ c


def test_memory_cache_hit(encoder):
    encoder.encode(["a unique sentence for the cache test"])
    hits, misses = encoder.cache_hits, encoder.cache_misses
    again = encoder.encode(["a unique sentence for the cache test"])
    assert encoder.cache_hits == hits + 1 and encoder.cache_misses == misses
    np.testing.assert_array_equal(again, encoder.encode(["a unique sentence for the cache test"]))


def test_batching_matches_single(encoder):
    texts = [f"A cup number {i} on a table" for i in range(5)] + ["short"]
    small = TextEncoder(batch_size=2, one_by_one=False)
    small._model, small._tokenizer = encoder.load()._model, encoder._tokenizer
    np.testing.assert_allclose(small.encode(texts), encoder.encode(texts), atol=1e-5)


def test_a_texts_embedding_does_not_depend_on_what_is_encoded_with_it(encoder):
    """Bit for bit, alone or among others (a batch job's result must not depend on the jobs
    before it); batched bulk encoding is not so."""
    text = "the object under the reference."
    others = ["sofa", "a much longer sentence about the object on the left side of the shelf"]
    alone = TextEncoder()
    alone._model, alone._tokenizer = encoder.load()._model, encoder._tokenizer
    among = TextEncoder()
    among._model, among._tokenizer = encoder._model, encoder._tokenizer
    np.testing.assert_array_equal(alone.encode([text])[0], among.encode([*others, text])[2])


def test_disk_cache(tmp_path, encoder):
    first = TextEncoder(cache_dir=tmp_path)
    first._model, first._tokenizer = encoder.load()._model, encoder._tokenizer
    vec = first.encode(["A bowl in a sink", "A pen beside a notebook"])
    fresh = TextEncoder(cache_dir=tmp_path)  # new process-equivalent: nothing in memory
    np.testing.assert_array_equal(fresh.encode(["A pen beside a notebook"]), vec[1:])
    assert not fresh.loaded and fresh.cache_hits == 1
    assert list(tmp_path.glob("text-*/*.npz"))


def test_rejects_single_string(encoder):
    with pytest.raises(TypeError):
        encoder.encode("A cup on a table")


def test_t5_needs_folder(tmp_path):
    with pytest.raises(ValueError):
        TextEncoder("t5")
    with pytest.raises(TextEncoderError):
        TextEncoder("t5", tmp_path / "missing")
