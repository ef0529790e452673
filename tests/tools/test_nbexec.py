"""tools/nbexec.py fails fast on a stall: a kernel that never gets ready, or a cell that never
finishes, stops the run with a message naming the notebook and the cell, and writes nothing."""

import importlib.util
import json
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nbexec():
    spec = importlib.util.spec_from_file_location("nbexec", ROOT / "tools" / "nbexec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_stalled_cell_fails_fast_naming_notebook_and_cell(nbexec, tmp_path):
    path = write_notebook(tmp_path / "stall.ipynb", "x = 1", "import time\ntime.sleep(600)",
                          "print('never reached')")
    before = path.read_bytes()
    t0 = time.perf_counter()
    with pytest.raises(nbexec.NotebookStalled) as caught:
        nbexec.execute(path, timeout=3)
    assert time.perf_counter() - t0 < 60  # not the 600 s the cell asked for
    message = str(caught.value)
    assert "stall.ipynb" in message and "cell 1 ('import time')" in message
    assert "within 3 s" in message
    assert path.read_bytes() == before  # nothing written


def test_a_kernel_that_never_gets_ready_fails_fast(nbexec, tmp_path, monkeypatch):
    # A "python3" kernel spec, found first on JUPYTER_PATH, whose process never answers.
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import time; time.sleep(600)", "{connection_file}"],
        "display_name": "Python 3 (never ready)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    path = write_notebook(tmp_path / "quiet.ipynb", "x = 1")
    t0 = time.perf_counter()
    with pytest.raises(nbexec.NotebookStalled, match=r"quiet.ipynb: the kernel was not ready "
                                                     r"within 3 s"):
        nbexec.execute(path, startup_timeout=3)
    assert time.perf_counter() - t0 < 60


def test_a_healthy_notebook_still_runs_and_is_stored_clean(nbexec, tmp_path):
    path = write_notebook(tmp_path / "ok.ipynb", "print(6 * 7)")
    nbexec.execute(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert nb.cells[0].execution_count is None


def test_clean_keeps_a_widgets_text_and_html_fallback(nbexec):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explorer.widget()")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2},
        "text/plain": "Interactive explorer (Rate): open this notebook ...",
        "text/html": "<p><em>Interactive explorer (Rate): open this notebook ...</em></p>"},
        execution_count=3)]
    nb.cells = [cell]
    data = nbexec.clean(nb).cells[0].outputs[0]["data"]
    assert set(data) == {"text/plain", "text/html"}
