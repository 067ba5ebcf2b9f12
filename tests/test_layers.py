"""The house rules hold: imports point down, no import circle, click only under cli/, SQL only
under case/, no module over 450 lines (scripts/check_layers.py)."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_layers.py"


def _checker():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_house_rules_hold():
    assert _checker().check() == []


def test_the_checker_sees_upward_imports_circles_click_sql_and_long_modules(tmp_path):
    checker = _checker()
    pkg = tmp_path / "profilewatch"
    (pkg / "cli").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "cli" / "__init__.py").write_text("")
    (pkg / "records.py").write_text("from .cli import main\nimport sqlite3\n")
    (pkg / "options.py").write_text("import click\nfrom . import plugins\n")
    (pkg / "plugins.py").write_text("from . import options\n" + "x = 1\n" * 451)
    found = "\n".join(checker.check(pkg))
    assert "profilewatch.records (floor 1) imports profilewatch.cli (floor 10)" in found
    assert "records.py:2: imports sqlite3" in found and "options.py:1: imports click" in found
    assert "import circle: profilewatch.options -> profilewatch.plugins" in found
    assert "plugins.py: 452 lines" in found
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert checker.circles(graph) == [["a", "b", "c"]]
    assert checker.floor_of("profilewatch.records")[0] < checker.floor_of("profilewatch.cli.scan")[0]
    assert checker.floor_of("profilewatch.case.store")[1] == "profilewatch.case"
