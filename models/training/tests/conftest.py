"""Shared set-up for the training code's tests: the modules of models/training import each other
by bare name (`from bpe import ...`), as train_all.py runs them, so that folder goes on sys.path."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TRAINING_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = TRAINING_DIR.parent.parent
PARITY_DIR = REPO_ROOT / "test" / "fixtures" / "parity"

if str(TRAINING_DIR) not in sys.path:
    sys.path.insert(0, str(TRAINING_DIR))


def load_parity(name: str) -> dict:
    """One of the shared parity files written by scripts/parity-cases.ts from the TypeScript."""
    with open(PARITY_DIR / name, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
