"""Build the training corpus from source files already present on this machine.

Python comes from the CPython 3.11 standard library and Debian's dist-packages; TypeScript and
JavaScript come from the project's own node_modules (permissively licensed packages only).
Held-out packages (the ones copied to test/fixtures/heldout) are excluded entirely, and any
corpus file that shares many long lines with a held-out file is dropped too, because bundlers
inline dependencies (a dist bundle can carry a held-out package verbatim).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

PY_STDLIB = Path("/usr/lib/python3.11")
PY_DIST = Path("/usr/lib/python3/dist-packages")
NODE_MODULES = Path("/work/main/node_modules")

PERMISSIVE = {
    "MIT", "ISC", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BlueOak-1.0.0", "0BSD",
    "CC0-1.0", "Unlicense", "Python-2.0", "PSF-2.0", "BSD", "Apache", "Apache 2.0",
    "Apache Software License", "MIT License", "BSD License", "PSF", "(MIT OR CC0-1.0)",
    "(MIT OR Apache-2.0)", "MIT OR Apache-2.0", "(BSD-2-Clause OR MIT OR Apache-2.0)",
}

# Held out of the corpus entirely (their files live in test/fixtures/heldout).
HELDOUT_PY_MODULES = {"textwrap.py", "fractions.py", "statistics.py", "shlex.py"}
HELDOUT_PY_TESTS = {"test_textwrap.py", "test_fractions.py", "test_statistics.py", "test_shlex.py"}
HELDOUT_NODE_PACKAGES = {"@huggingface/jinja", "picomatch"}

EXT_LANG = {
    ".py": "python",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "typescript",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
}

MAX_FILE_BYTES = 200_000
MIN_FILE_BYTES = 200
MAX_BYTES_PER_PACKAGE = 3_000_000


@dataclass
class SourceFile:
    path: str
    package: str
    licence: str
    lang: str
    text: str


@dataclass
class PackageStats:
    package: str
    licence: str
    lang_bytes: dict = field(default_factory=dict)
    files: int = 0


def _lang_of(path: Path) -> str | None:
    name = path.name
    if name.endswith((".min.js", ".map")):
        return None
    return EXT_LANG.get(path.suffix)


def looks_generated(text: str) -> bool:
    """Minified bundles and data tables teach the model nothing about writing code."""
    lines = text.split("\n")
    if not lines:
        return True
    longest = max(len(l) for l in lines)
    mean = len(text) / len(lines)
    if longest > 1000 or mean > 90:
        return True
    if "sourceMappingURL=data:" in text:
        return True
    return False


def _read(path: Path) -> str | None:
    try:
        size = path.stat().st_size
        if size < MIN_FILE_BYTES or size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _py_dist_licences() -> dict[str, str]:
    """Map top-level import name -> licence from the installed package metadata."""
    out: dict[str, str] = {}
    for meta_dir in sorted(PY_DIST.glob("*.*-info")):
        meta = meta_dir / ("METADATA" if meta_dir.suffix == ".dist-info" else "PKG-INFO")
        if not meta.exists():
            continue
        licence = "UNKNOWN"
        classifiers: list[str] = []
        for line in meta.read_text(errors="replace").split("\n"):
            if line.startswith("License:") and licence == "UNKNOWN":
                licence = line.split(":", 1)[1].strip() or "UNKNOWN"
            if line.startswith("Classifier: License ::"):
                classifiers.append(line.rsplit("::", 1)[1].strip())
            if line == "":
                break
        if classifiers:
            licence = classifiers[0]
        tops = meta_dir / "top_level.txt"
        names = tops.read_text().split() if tops.exists() else [meta_dir.name.split("-")[0]]
        for n in names:
            out[n] = licence
    return out


def _normalise_licence(lic: str) -> str:
    lic = lic.strip()
    low = lic.lower()
    if "mit" in low and "gpl" not in low:
        return "MIT"
    if "apache" in low:
        return "Apache-2.0"
    if "bsd" in low:
        return "BSD"
    if "python software foundation" in low or low.startswith("psf"):
        return "PSF-2.0"
    if "isc" == low or "isc license" in low:
        return "ISC"
    return lic


def _py_files() -> list[SourceFile]:
    files: list[SourceFile] = []
    for p in sorted(PY_STDLIB.rglob("*.py")):
        rel = p.relative_to(PY_STDLIB)
        if rel.parts[0] in {"site-packages", "dist-packages", "lib2to3"} or p.name in HELDOUT_PY_MODULES:
            continue
        if p.name in HELDOUT_PY_TESTS:
            continue
        text = _read(p)
        if text is not None:
            files.append(SourceFile(str(p), "cpython-stdlib", "PSF-2.0", "python", text))
    licences = _py_dist_licences()
    for top in sorted(PY_DIST.iterdir()):
        name = top.name.removesuffix(".py")
        if not (top.is_dir() or top.suffix == ".py") or name.startswith("_"):
            continue
        lic = _normalise_licence(licences.get(name, "UNKNOWN"))
        if lic not in PERMISSIVE:
            continue
        paths = [top] if top.is_file() else sorted(top.rglob("*.py"))
        for p in paths:
            if p.name in HELDOUT_PY_MODULES and "hypothesis" not in str(p):
                continue
            text = _read(p)
            if text is not None:
                files.append(SourceFile(str(p), f"py:{name}", lic, "python", text))
    return files


def _node_packages() -> list[tuple[str, Path]]:
    pkgs: list[tuple[str, Path]] = []
    for entry in sorted(NODE_MODULES.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.name.startswith("@"):
            for sub in sorted(entry.iterdir()):
                pkgs.append((f"{entry.name}/{sub.name}", sub))
        else:
            pkgs.append((entry.name, entry))
    return pkgs


def _node_licence(pkg_dir: Path) -> str:
    try:
        meta = json.loads((pkg_dir / "package.json").read_text())
    except (OSError, ValueError):
        return "UNKNOWN"
    lic = meta.get("license") or meta.get("licenses") or "UNKNOWN"
    if isinstance(lic, list):
        lic = lic[0] if lic else "UNKNOWN"
    if isinstance(lic, dict):
        lic = lic.get("type", "UNKNOWN")
    return str(lic)


def _node_files() -> list[SourceFile]:
    files: list[SourceFile] = []
    for name, pkg_dir in _node_packages():
        if name in HELDOUT_NODE_PACKAGES:
            continue
        lic = _node_licence(pkg_dir)
        if lic not in PERMISSIVE:
            continue
        for p in sorted(pkg_dir.rglob("*")):
            if "node_modules" in p.relative_to(pkg_dir).parts or not p.is_file():
                continue
            lang = _lang_of(p)
            if lang is None:
                continue
            text = _read(p)
            if text is not None:
                files.append(SourceFile(str(p), f"npm:{name}", lic, lang, text))
    return files


def _long_lines(text: str) -> set[str]:
    return {l.strip() for l in text.split("\n") if len(l.strip()) >= 40}


def heldout_line_index(heldout_dir: Path) -> set[str]:
    lines: set[str] = set()
    for p in sorted(heldout_dir.rglob("*")):
        if p.is_file() and _lang_of(p):
            lines |= _long_lines(p.read_text(encoding="utf-8"))
    return lines


def collect(heldout_dir: Path, seed: int) -> tuple[list[SourceFile], dict]:
    """Return the deduplicated, filtered corpus and a manifest describing it."""
    heldout_lines = heldout_line_index(heldout_dir) if heldout_dir.exists() else set()
    seen: set[str] = set()
    per_pkg_bytes: dict[str, int] = {}
    kept: list[SourceFile] = []
    dropped = {"generated": 0, "duplicate": 0, "heldout_overlap": 0, "package_cap": 0}
    candidates = _py_files() + _node_files()
    rng = random.Random(seed)
    rng.shuffle(candidates)  # so the per-package cap samples files from the whole package
    for f in candidates:
        if looks_generated(f.text):
            dropped["generated"] += 1
            continue
        digest = hashlib.sha1(re.sub(r"\s+", "", f.text).encode()).hexdigest()
        if digest in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(digest)
        if heldout_lines:
            overlap = len(_long_lines(f.text) & heldout_lines)
            if overlap >= 3:
                dropped["heldout_overlap"] += 1
                continue
        used = per_pkg_bytes.get(f.package, 0)
        if used + len(f.text) > MAX_BYTES_PER_PACKAGE:
            dropped["package_cap"] += 1
            continue
        per_pkg_bytes[f.package] = used + len(f.text)
        kept.append(f)
    kept.sort(key=lambda f: f.path)
    return kept, _manifest(kept, dropped)


def _manifest(files: list[SourceFile], dropped: dict) -> dict:
    pkgs: dict[str, PackageStats] = {}
    for f in files:
        st = pkgs.setdefault(f.package, PackageStats(f.package, f.licence))
        st.files += 1
        st.lang_bytes[f.lang] = st.lang_bytes.get(f.lang, 0) + len(f.text.encode())
    by_lang: dict[str, int] = {}
    by_licence: dict[str, int] = {}
    for st in pkgs.values():
        for lang, b in st.lang_bytes.items():
            by_lang[lang] = by_lang.get(lang, 0) + b
            by_licence[st.licence] = by_licence.get(st.licence, 0) + b
    return {
        "files": len(files),
        "bytes_by_language": by_lang,
        "bytes_by_licence": by_licence,
        "dropped": dropped,
        "packages": sorted(
            ({"package": s.package, "licence": s.licence, "files": s.files, "bytes": s.lang_bytes}
             for s in pkgs.values()),
            key=lambda d: -sum(d["bytes"].values()),
        ),
    }


def split_files(files: list[SourceFile], seed: int, valid_fraction: float = 0.02):
    """Deterministic file-level train/validation split (validation = in-distribution loss)."""
    rng = random.Random(seed + 1)
    order = list(range(len(files)))
    rng.shuffle(order)
    n_valid = max(1, int(len(files) * valid_fraction))
    valid_idx = set(order[:n_valid])
    train = [f for i, f in enumerate(files) if i not in valid_idx]
    valid = [f for i, f in enumerate(files) if i in valid_idx]
    return train, valid


def os_cpu_count() -> int:
    return os.cpu_count() or 1
