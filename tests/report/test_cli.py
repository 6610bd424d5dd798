"""`symopt report` from the command line."""

from symopt.cli import main
from tests.search.test_campaign import write_config


def test_report_writes_the_page_and_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    config = write_config(tmp_path, budget={"max_evaluations": 12})
    assert main(["search", config, "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "-o", str(tmp_path / "rep")]) == 0
    assert capsys.readouterr().out.strip().endswith("index.html")
    assert (tmp_path / "rep" / "fitness.png").stat().st_size > 5000
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("symopt: error:")
