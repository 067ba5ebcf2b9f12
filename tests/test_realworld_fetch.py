"""tests/realworld/fetch.py finds a package member whose manifest path leaves out the archive prefix."""
import importlib.util
import tarfile
import zipfile
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("rw_fetch", Path(__file__).parent / "realworld" / "fetch.py")
fetch = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fetch)


def test_member_name_exact_prefixed_and_ambiguous():
    assert fetch.member_name(["a/b.py", "x-1.0/a/b.py"], "a/b.py") == "a/b.py"
    assert fetch.member_name(["x-1.0.data/purelib/a/b.py"], "a/b.py") == "x-1.0.data/purelib/a/b.py"
    assert fetch.member_name(["p/a/b.py", "q/a/b.py"], "a/b.py") is None
    assert fetch.member_name(["xa/b.py"], "a/b.py") is None


def test_from_package_reads_sdist_and_wheel_with_prefix(tmp_path):
    sdist = tmp_path / "pkg-1.0.tar.gz"
    src = tmp_path / "m.py"
    src.write_bytes(b"sdist body\n")
    with tarfile.open(sdist, "w:gz") as tf:
        tf.add(src, arcname="pkg-1.0/pkg/m.py")
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg-1.0.data/purelib/pkg/m.py", b"wheel body\n")
    source = {"kind": "pypi", "package": "pkg", "version": "1.0", "path": "pkg/m.py"}
    assert fetch.from_package(source, tmp_path, {"pypi:pkg==1.0": sdist}) == b"sdist body\n"
    assert fetch.from_package(source, tmp_path, {"pypi:pkg==1.0": wheel}) == b"wheel body\n"
    assert fetch.from_package({**source, "path": "pkg/none.py"}, tmp_path, {"pypi:pkg==1.0": wheel}) is None
