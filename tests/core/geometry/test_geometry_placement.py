"""Known scales as the model is conditioned on them: flat objects get a token thickness."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from oor_core.geometry.placement import FLAT_FRACTION, solid_scales

side = st.floats(0.0, 10.0, allow_nan=False)


@given(target=st.tuples(side, side, side).filter(lambda t: max(t) > 0),
       base=st.tuples(side, side, side).filter(lambda b: max(b) > 0))
def test_every_side_is_positive_and_solid_sides_are_kept(target, base):
    scales = np.array([*target, *base])
    solid = solid_scales(scales)
    assert (solid > 0).all()
    for part in (slice(0, 3), slice(3, 6)):
        longest = scales[part].max()
        kept = scales[part] >= FLAT_FRACTION * longest
        np.testing.assert_array_equal(solid[part][kept], scales[part][kept])
        assert np.allclose(solid[part][~kept], FLAT_FRACTION * longest)


def test_a_sheet_of_paper_on_a_table():
    sheet_on_table = solid_scales([0.25, 0.0, 0.18, 1.0, 0.62, 0.67])
    assert sheet_on_table[1] == FLAT_FRACTION * 0.25
    assert list(sheet_on_table[3:]) == [1.0, 0.62, 0.67]
