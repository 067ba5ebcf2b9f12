"""The benchmark regression guard (benchmarks/run_all.py) sees a slowdown: figures kept in
RESULTS.md sections are read back and compared in the right direction."""
import importlib
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _modules(monkeypatch, results: Path):
    monkeypatch.setenv("PROFILEWATCH_BENCH_RESULTS", str(results))
    monkeypatch.syspath_prepend(str(BENCH))
    for name in ("common", "run_all"):
        sys.modules.pop(name, None)
    return importlib.import_module("common"), importlib.import_module("run_all")


def test_figures_round_trip_and_a_20_percent_slowdown_is_a_regression(tmp_path, monkeypatch):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n", encoding="utf-8")
    common, run_all = _modules(monkeypatch, results)
    common.write_section("bench_x", "## X\n\ntable", {"pw_mb_per_s": 100.0, "wall_s": 10.0})
    common.write_section("bench_x", "## X again", {"pw_mb_per_s": 75.0, "wall_s": 10.5})  # replaces, not appends
    text = results.read_text(encoding="utf-8")
    assert text.count("bench_x:begin") == 1 and "X again" in text
    new = common.read_figures(text)["bench_x"]
    lines = run_all.compare({"pw_mb_per_s": 100.0, "wall_s": 10.0}, new, 0.2)
    assert lines[0].split()[:2] == ["REGRESSION", "pw_mb_per_s:"]  # 25% slower
    assert lines[1].split()[:2] == ["ok", "wall_s:"]  # 5% longer is within 20%
    assert run_all.compare({"wall_s": 10.0}, {"wall_s": 13.0}, 0.2)[0].startswith("  REGRESSION")
    assert run_all.compare({"speed_speedup": 2.0}, {"speed_speedup": 2.5}, 0.2)[0].startswith("  ok")


def test_run_all_knows_the_gate_and_dense_benchmarks_and_their_scripts_exist(tmp_path, monkeypatch):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n", encoding="utf-8")
    _, run_all = _modules(monkeypatch, results)
    assert {"bench_scan", "bench_scan_dense", "bench_gate"} <= set(run_all.BENCHES)
    assert "--dense" in run_all.BENCHES["bench_scan_dense"][0]
    for name in run_all.BENCHES:
        assert (BENCH / f"{run_all.SCRIPTS.get(name, name)}.py").exists(), name
    recorded = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    assert "<!-- figures:bench_scan_dense " in recorded and "<!-- figures:bench_gate " in recorded
