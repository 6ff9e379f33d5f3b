"""River's own room contract as a test oracle (../shared/river-oracle); every test here skips without it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _oracle_dir() -> Path:
    env = os.environ.get("RIVER_ORACLE_DIR")
    return Path(env) if env else REPO.parent / "shared" / "river-oracle"


@pytest.fixture(scope="session")
def oracle() -> Any:
    """A compiled ``RiverContract`` (cached by the host in /tmp, ~5 ms after the first run)."""
    folder = _oracle_dir()
    if not (folder / "river_contract.py").is_file():
        pytest.skip(f"River oracle not found at {folder}")
    pytest.importorskip("wasmtime")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    from river_contract import RiverContract

    return RiverContract()


@pytest.fixture(scope="session")
def params() -> Callable[[bytes], bytes]:
    """The contract parameters for an owner key: CBOR ``{"owner": bstr32}``."""
    import cbor2

    return lambda owner_vk: bytes(cbor2.dumps({"owner": owner_vk}))
