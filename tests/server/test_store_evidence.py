"""佐证材料: content-hash storage outside any served path, sanitised names, limits, atomic writes."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest
from server_data import T0, example_data

from server.evidence import EvidenceFiles, EvidenceRefused, clean_name
from server.store import Closed, Invalid

pytest_plugins = ["store_fixtures"]  # the Store fixtures (SQLite and PostgreSQL)

PDF = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_evidence_is_stored_under_its_sha256_with_a_sanitised_name(two_units, tmp_path):
    r = two_units
    e = r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "../../etc/花名册\u202e.PDF", io.BytesIO(PDF))
    sha = hashlib.sha256(PDF).hexdigest()
    assert (e.sha256, e.size, e.name, e.content_type) == (sha, len(PDF), "花名册.pdf", "application/pdf")
    record, path = r.store.evidence(r.ua, e.id)
    assert path == tmp_path / "数据" / "evidence" / "sha256" / sha[:2] / sha
    assert path.read_bytes() == PDF
    again = r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "副本.pdf", io.BytesIO(PDF))
    assert again.sha256 == sha and again.id != e.id
    assert _files(tmp_path / "数据" / "evidence") == [f"sha256/{sha[:2]}/{sha}"]  # one file for one content
    assert [x.name for x in r.store.submission(r.ua, r.a.id).evidence] == ["花名册.pdf", "副本.pdf"]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("程序.exe", b"MZ\x90\x00", "evidence.type"),
        ("无扩展名", PDF, "evidence.type"),
        ("照片.pdf", PNG, "evidence.content"),
        ("空.pdf", b"", "evidence.empty"),
        ("宏.xlsx", None, "evidence.xlsx"),
    ],
)
def test_refused_uploads_leave_nothing(two_units, tmp_path, name, data, code):
    r = two_units
    if data is None:  # a workbook with macros: the project's xlsx guard refuses it
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            zf.writestr("xl/workbook.xml", "<workbook/>")
            zf.writestr("xl/vbaProject.bin", b"\0" * 10)
        data = buf.getvalue()
    with pytest.raises(Invalid) as info:
        r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", name, io.BytesIO(data))
    assert info.value.code == code
    assert _files(tmp_path / "数据" / "evidence") == []
    assert r.store.submission(r.ua, r.a.id).evidence == ()


def test_the_size_limit_is_checked_while_reading(tmp_path):
    files = EvidenceFiles(tmp_path)

    class Endless(io.RawIOBase):
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += 1024 * 1024
            return b"%PDF-" + b"\0" * (1024 * 1024 - 5)

    stream = Endless()
    with pytest.raises(EvidenceRefused) as info:
        files.put(stream, "大.pdf", max_bytes=3 * 1024 * 1024)
    assert info.value.code == "evidence.too-large"
    assert stream.read_bytes <= 4 * 1024 * 1024  # stopped at the limit, not at the end
    assert _files(tmp_path) == []


def test_an_unknown_indicator_or_a_submitted_unit_takes_no_evidence(two_units):
    r = two_units
    with pytest.raises(Invalid) as info:
        r.store.add_evidence(r.ua, r.a.id, "没有的指标", "a.pdf", io.BytesIO(PDF))
    assert info.value.code == "evidence.indicator"
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    r.store.submit(r.ua, r.a.id, version=1)
    with pytest.raises(Closed):
        r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "a.pdf", io.BytesIO(PDF))


def test_a_stream_that_breaks_midway_leaves_no_file_and_no_row(two_units, tmp_path):
    r = two_units

    class Broken(io.RawIOBase):
        calls = 0

        def read(self, n=-1):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            return b"%PDF-" + b"x" * (1024 * 1024)

    with pytest.raises(ConnectionResetError):
        r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "断.pdf", Broken())
    assert _files(tmp_path / "数据" / "evidence") == []
    assert r.store.submission(r.ua, r.a.id).evidence == ()


@pytest.mark.parametrize("clean", ["a/b/../c.pdf", "..\\..\\c.pdf", "c.pdf"])
def test_clean_name_keeps_only_the_last_part(clean):
    assert clean_name(clean) == "c.pdf"


CHILD = r"""
import datetime as dt, io, sys, time
from pathlib import Path
from server import accounts
from server.store import Store
now = dt.datetime.fromisoformat(sys.argv[6])
store = Store(sys.argv[1], Path(sys.argv[2]), hasher=accounts.quick_hasher(), clock=lambda: now)
user = store.login(sys.argv[3], sys.argv[4], client="child")

class Slow(io.RawIOBase):
    sent = 0
    def read(self, n=-1):
        self.sent += 1
        if self.sent == 3:
            print("midway", flush=True)
            time.sleep(60)
        return b"%PDF-" + b"y" * (1024 * 1024)

store.add_evidence(user, int(sys.argv[5]), "法制工作人员数", "慢.pdf", Slow())
"""


def test_killing_the_server_mid_upload_loses_no_committed_data(two_units, db_url, tmp_path, make_store):
    r = two_units
    saved = r.store.save(r.ua, r.a.id, example_data(), version=0)
    kept = r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "已传.pdf", io.BytesIO(PDF))
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            db_url,
            str(tmp_path / "数据"),
            r.a_account,
            r.a_password,
            str(r.a.id),
            T0.isoformat(),
        ],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert child.stdout.readline().strip() == b"midway"
        uploads = tmp_path / "数据" / "evidence" / "sha256"
        assert [p.name for p in uploads.glob(".upload-*")]  # a partial file exists while it uploads
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    time.sleep(0.1)
    restarted = make_store()  # the next start removes the partial upload
    assert list((tmp_path / "数据" / "evidence" / "sha256").glob(".upload-*")) == []
    view = restarted.submission(r.ua, r.a.id)
    assert (view.version, view.data) == (saved.version, saved.data)
    assert [e.id for e in view.evidence] == [kept.id]
    assert restarted.evidence(r.ua, kept.id)[1].read_bytes() == PDF
