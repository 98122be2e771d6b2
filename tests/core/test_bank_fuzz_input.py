"""Fuzzing the bank loader with any text and any bytes: each loads or fails with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.bank_fuzz_support import FUZZ, MINI, SHIPPED, TOKENS, outcome


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(
    st.one_of(
        st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
        st.text(max_size=300),
    )
)
def test_any_text_loads_or_fails_with_file_and_line(workdir: Path, text: str) -> None:
    path = workdir / "text.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates make invalid UTF-8
    outcome([path])


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=400),
        st.tuples(
            st.sampled_from([MINI, *SHIPPED[:3]]), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)
        ),
    )
)
def test_any_bytes_load_or_fail_with_file_and_line(
    workdir: Path, data: bytes | tuple[Path, int, bytes]
) -> None:
    if isinstance(data, tuple):  # junk bytes dropped into a real file
        source, at, junk = data
        raw = source.read_bytes()
        at %= len(raw)
        data = raw[:at] + junk + raw[at:]
    path = workdir / "bytes.yaml"
    path.write_bytes(data)
    outcome([path])
