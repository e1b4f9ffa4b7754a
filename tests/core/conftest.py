"""Engine tests run torch on one intra-op thread: on this 2-core machine a second busy process
makes two threads spin (DESIGN.md section 3: small ops 10-50x slower)."""

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def small_library():
    """The relation library at the fixed seed with 24 samples per context (builds in seconds)."""
    from oor_core.relations import build_library
    from oor_core.relations.build import DEFAULT_SEED

    return build_library(DEFAULT_SEED, samples_per_context=24)


@pytest.fixture(scope="session")
def shipped_model():
    """The shipped weights, loaded once for every test that judges them."""
    from oor_core.model.inference import DEFAULT_WEIGHTS, OORModel
    from oor_core.model.text_encoder import shared_encoder

    assert DEFAULT_WEIGHTS.exists(), f"the shipped weights are missing: {DEFAULT_WEIGHTS}"
    return OORModel.load(encoder=shared_encoder())
