"""Build hook: compiles libwsdriver with cargo and puts it inside the package.

It also compiles ``wsdriver._speedups``, the per-message calls in C over
the Stable ABI (CPython 3.10+; the wheel is then ``cp310-abi3``). That
extension is optional: without a C compiler or Python.h, on another Python
implementation, or with WSDRIVER_NO_EXTENSION=1 set at build time, the
wheel is ``py3-none`` and the package runs on ctypes alone.

The crate is the repository root (two levels up), or ``_crate/`` in an
sdist, which carries a copy of it. ``cargo build --release --lib`` runs with
the usual CARGO_TARGET_DIR (default: the crate's ``target/``), so a wheel
built in a checkout reuses the library that ``cargo build --release``
already made. Everything else is in pyproject.toml.
"""

import os
import platform
import shutil
import subprocess
import sys

from setuptools import Distribution, Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
LIBNAME = {"darwin": "libwsdriver.dylib", "win32": "wsdriver.dll"}.get(
    sys.platform, "libwsdriver.so"
)
# What of the crate an sdist needs to build the library.
CRATE_FILES = ("Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "LICENSE")
CRATE_DIRS = ("src", "benches", "include")
#: The Stable ABI version the extension is built for.
LIMITED_API = "cp310"
WANT_EXTENSION = (
    platform.python_implementation() == "CPython"
    and sys.version_info >= (3, 10)
    and not os.environ.get("WSDRIVER_NO_EXTENSION")
)


def crate_dir():
    for d in (os.path.join(HERE, "_crate"), os.path.join(HERE, "..", "..")):
        if os.path.exists(os.path.join(d, "Cargo.toml")):
            return os.path.normpath(d)
    raise SystemExit(
        "wsdriver: the Rust crate is not here (neither _crate/ nor ../../Cargo.toml)"
    )


def build_library():
    crate = crate_dir()
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(crate, "target")
    cmd = [
        os.environ.get("CARGO", "cargo"),
        "build",
        "--release",
        "--lib",
        "--locked",
        "--manifest-path",
        os.path.join(crate, "Cargo.toml"),
        "--target-dir",
        target,
    ]
    print("wsdriver: " + " ".join(cmd), flush=True)
    try:
        subprocess.check_call(cmd)
    except FileNotFoundError:
        raise SystemExit("wsdriver: building the wheel needs Rust's cargo on PATH") from None
    return os.path.join(target, "release", LIBNAME)


class BuildPyWithLibrary(build_py):
    """The Python files, plus the freshly built shared library."""

    def run(self):
        super().run()
        lib = build_library()
        dest = os.path.join(self.build_lib, "wsdriver", LIBNAME)
        self.mkpath(os.path.dirname(dest))
        shutil.copyfile(lib, dest)
        os.chmod(dest, 0o755)


def speedups():
    return Extension(
        "wsdriver._speedups",
        ["wsdriver/_speedups.c"],
        include_dirs=[os.path.join(crate_dir(), "include")],
        extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
        py_limited_api=True,
        # No Python.h or compiler: the wheel goes without it (ctypes only).
        optional=True,
    )


class BuildExt(build_ext):
    """Says loudly when the optional extension could not be built."""

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:
            print(
                "wsdriver: WARNING: %s not built (%s); the package uses ctypes alone, "
                "about half as fast per message. Install Python's headers "
                "(Debian: python3-dev) and a C compiler to build it." % (ext.name, e),
                flush=True,
            )
            raise


class BinaryDistribution(Distribution):
    """Platform-specific: the files go to platlib (auditwheel requires it)."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """cp310-abi3-<platform> with the extension (Stable ABI: every CPython
    from 3.10 on); py3-none-<platform> without it, for the native library
    alone is loaded through ctypes by any Python 3."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        build_py = self.get_finalized_command("build_ext")
        built = any(
            os.path.exists(build_py.get_ext_fullpath(e.name)) for e in build_py.extensions
        )
        if built:
            return LIMITED_API, "abi3", plat
        return "py3", "none", plat


class SdistWithCrate(sdist):
    """Copies the crate into _crate/ so the sdist builds on its own."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        if os.path.exists(os.path.join(HERE, "_crate")):
            return  # already an sdist's tree
        src = os.path.normpath(os.path.join(HERE, "..", ".."))
        dst = os.path.join(base_dir, "_crate")
        os.makedirs(dst, exist_ok=True)
        for f in CRATE_FILES:
            if os.path.exists(os.path.join(src, f)):
                shutil.copy2(os.path.join(src, f), os.path.join(dst, f))
        for d in CRATE_DIRS:
            shutil.copytree(os.path.join(src, d), os.path.join(dst, d))


setup(
    distclass=BinaryDistribution,
    ext_modules=[speedups()] if WANT_EXTENSION else [],
    cmdclass={
        "build_ext": BuildExt,
        "build_py": BuildPyWithLibrary,
        "bdist_wheel": PlatformWheel,
        "sdist": SdistWithCrate,
    },
)
