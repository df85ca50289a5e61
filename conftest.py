"""Fixtures every test suite of the repository shares: the golden example messages."""

from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "shared" / "tests" / "golden"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # `golden_case` runs a test once per golden message: (type, version, body).
    if "golden_case" in metafunc.fixturenames:
        cases = []
        for path in sorted(GOLDEN.glob("*.json")):
            type_, version = path.name.removesuffix(".json").rsplit(".v", 1)
            cases.append(pytest.param((type_, int(version), path.read_text()), id=path.stem))
        metafunc.parametrize("golden_case", cases)


@pytest.fixture
def golden() -> Callable[..., str]:
    """The golden body of a message type and version, as producers must write it."""
    def load(type_: str, version: int = 1) -> str:
        return (GOLDEN / f"{type_}.v{version}.json").read_text()
    return load
