"""Property: a signature verifies on exactly what it signed; changing any signed field
(record kind, record id, content hash, name, key id, meaning, time) breaks it."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit.errors import SignatureError
from compoundkit.records.signing import (
    MEANINGS,
    PublicKey,
    SigningKey,
    load_key,
    new_key,
    sign,
    verify_signature,
)


@functools.cache
def keys() -> tuple[SigningKey, PublicKey, PublicKey]:
    folder = Path(tempfile.mkdtemp())
    public = new_key("A. Chen", "pass", folder / "chen.key")
    other = new_key("B. Diaz", "pass", folder / "diaz.key")
    return load_key(folder / "chen.key", "pass"), public, other


texts = st.text(min_size=1, max_size=20)
hashes = st.text("0123456789abcdef", min_size=64, max_size=64)
times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
).map(lambda moment: moment.replace(microsecond=0))
FIELDS = ("record_kind", "record_id", "content_hash", "name", "key_id", "meaning", "time")


@given(
    kind=texts,
    record_id=texts,
    content_hash=hashes,
    meaning=st.sampled_from(MEANINGS),
    time=times,
    changed=st.sampled_from(FIELDS),
    data=st.data(),
)
def test_changing_any_signed_field_breaks_the_signature(
    kind: str,
    record_id: str,
    content_hash: str,
    meaning: str,
    time: dt.datetime,
    changed: str,
    data: st.DataObject,
) -> None:
    key, public, other = keys()
    record = {"record_kind": kind, "record_id": record_id, "content_hash": content_hash}
    signature = sign(key, **record, meaning=meaning, time=time)  # type: ignore[arg-type]
    verify_signature(signature, **record, trusted=[public, other])
    if changed in record:
        record[changed] = data.draw(texts.filter(lambda new: new != record[changed]))
    elif changed == "name":
        signature = attrs.evolve(signature, name="B. Diaz")
    elif changed == "key_id":
        signature = attrs.evolve(signature, key_id=other.key_id)
    elif changed == "meaning":
        new = data.draw(st.sampled_from([m for m in MEANINGS if m != meaning]))
        signature = attrs.evolve(signature, meaning=new)
    else:
        shift = data.draw(st.integers(1, 10**6).map(lambda s: dt.timedelta(seconds=s)))
        signature = attrs.evolve(signature, time=time + shift)
    with pytest.raises(SignatureError, match=r"signature of .* \(.*key [0-9a-f]{16}\)"):
        verify_signature(signature, **record, trusted=[public, other])
