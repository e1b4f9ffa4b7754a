"""Names for new files and folders never reuse an existing one."""

from oor_core.fresh_names import untaken_path


def test_the_first_free_name_is_taken_in_order(tmp_path):
    assert untaken_path(tmp_path, "model", ".safetensors") == tmp_path / "model.safetensors"
    (tmp_path / "model.safetensors").write_text("")
    (tmp_path / "model-2.safetensors").write_text("")
    assert untaken_path(tmp_path, "model", ".safetensors") == tmp_path / "model-3.safetensors"
    (tmp_path / "export").mkdir()
    assert untaken_path(tmp_path, "export") == tmp_path / "export-2"
