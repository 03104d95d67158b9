"""The installed package: where it loads libwsdriver from, what it ships,
and that its constants are the header's."""

import os
import re
import shutil
import subprocess
import sys

import wsdriver
from wsdriver import _native

from conftest import ROOT

PACKAGE = os.path.dirname(os.path.abspath(wsdriver.__file__))


def run_py(code, cwd, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=e, cwd=cwd, timeout=60
    )


def test_package_loads_the_library_it_carries():
    assert wsdriver.library_version == "0.1.0"
    assert os.path.dirname(os.path.abspath(wsdriver.library_path)) == PACKAGE


def test_package_ships_py_typed():
    assert os.path.exists(os.path.join(PACKAGE, "py.typed"))


def test_own_copy_comes_before_wsdriver_lib(tmp_path):
    r = run_py(
        "import wsdriver; print(wsdriver.library_path)",
        tmp_path,
        WSDRIVER_LIB="/nonexistent/libwsdriver.so",
    )
    assert r.returncode == 0, r.stderr
    assert os.path.dirname(r.stdout.strip()) == PACKAGE


def test_wsdriver_lib_is_used_by_a_package_without_its_copy(tmp_path):
    # The package's Python files alone, as in a checkout.
    pkg = tmp_path / "wsdriver"
    shutil.copytree(PACKAGE, pkg, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    lib = tmp_path / "elsewhere" / "libwsdriver.so"
    lib.parent.mkdir()
    shutil.copyfile(wsdriver.library_path, lib)
    code = "import wsdriver; print(wsdriver.__file__); print(wsdriver.library_path)"
    r = run_py(code, tmp_path, WSDRIVER_LIB=str(lib))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(pkg / "__init__.py"), str(lib)]
    r = run_py("import wsdriver", tmp_path, WSDRIVER_LIB="/nonexistent/libwsdriver.so")
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "WSDRIVER_LIB: /nonexistent/libwsdriver.so" in r.stderr


def header_constants():
    """Every #define and enum value in include/wsdriver.h, by name."""
    with open(os.path.join(ROOT, "include", "wsdriver.h")) as f:
        text = f.read()
    found = {}
    for name, value in re.findall(r"^#define (WS_\w+) (\d+|0x[0-9a-fA-F]+)\s*$", text, re.M):
        found[name] = int(value, 0)
    for name, value in re.findall(r"^\s+(WS_\w+) = (\d+),?\s*$", text, re.M):
        found[name] = int(value)
    return found


# The binding's name for each header prefix.
PREFIXES = {
    "WS_RESULT_": "",
    "WS_ACTION_": "ACTION_",
    "WS_MESSAGE_": "MESSAGE_",
    "WS_STATE_": "STATE_",
}


def test_constants_agree_with_the_header():
    header = header_constants()
    checked = 0
    for cname, value in header.items():
        for prefix, py_prefix in PREFIXES.items():
            if cname.startswith(prefix):
                pyname = py_prefix + cname[len(prefix):]
                assert getattr(_native, pyname, None) == value, (cname, pyname)
                checked += 1
    # Every constant the binding declares is one the header has.
    for pyname in dir(_native):
        if re.fullmatch(r"[A-Z][A-Z0-9_]+", pyname) and isinstance(getattr(_native, pyname), int):
            cname = next(
                (p + pyname[len(q):] for p, q in PREFIXES.items() if q and pyname.startswith(q)),
                "WS_RESULT_" + pyname,
            )
            assert header.get(cname) == getattr(_native, pyname), (pyname, cname)
    assert checked == 28  # 13 results, 9 actions, 2 message kinds, 4 states
