"""A round exported and re-scored offline with the real CLI gives the server's results and its
workbooks byte for byte; an import restores the round."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from server_data import T0, example_data

from server import accounts, archive
from server.archive import ArchiveError
from server.store import FINAL, RETURNED, Store

pytest_plugins = ["store_fixtures"]  # the Store fixtures (SQLite and PostgreSQL)

PDF = b"%PDF-1.4\n" + b"z" * 300 + b"\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


def _assess(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`assess …` as a user runs it (a new process), from the folder given."""
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def finalized(two_units, tmp_path):
    """Two units submitted (B with one item reviewed, A with evidence), a third returned; finalized at T0."""
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    r.store.add_evidence(r.ua, r.a.id, "法制工作人员数", "花名册.pdf", io.BytesIO(PDF))
    r.store.submit(r.ua, r.a.id, version=1)
    data = example_data()
    data["指标"]["法制工作人员数"] = 1
    data["指标"]["规范性文件报备及时率"] = Decimal("87.5")
    r.store.save(r.ub, r.b.id, data, version=0)
    r.store.submit(r.ub, r.b.id, version=1)
    r.store.review(r.assessor, r.b.id, "XF-05", Decimal("0.5"), "宣传成效佐证不足，酌情扣0.5分", kind="扣分")
    r.store.review(r.assessor, r.a.id, "XF-05", Decimal("1.5"), "成效明显", kind="得分")
    r.store.finalize(r.assessor, r.round.id, as_of=T0)
    return r


def test_the_cli_rescoring_an_export_gives_identical_results_and_workbooks(finalized, tmp_path):
    r = finalized
    target = r.store.export(r.round.id, tmp_path / "批次.zip")
    unpacked = tmp_path / "导出"
    with zipfile.ZipFile(target) as zf:
        zf.extractall(unpacked)
    meta = json.loads((unpacked / "round.json").read_text(encoding="utf-8"))
    command = shlex.split(meta["command"])
    assert command[:2] == ["assess", "batch"] and "--overrides" in command and T0.isoformat() in command
    run = _assess(command[1:], unpacked)  # exactly the command the archive states
    assert run.returncode == 0, run.stderr
    out = unpacked / "评分结果"
    assert (out / "汇总.xlsx").read_bytes() == r.store.summary_workbook(r.assessor, r.round.id).read_bytes()
    for user, unit in ((r.ua, r.a), (r.ub, r.b)):
        server_sheet = r.store.scoresheet(user, unit.id)
        assert (out / server_sheet.name).read_bytes() == server_sheet.read_bytes()
    with zipfile.ZipFile(r.store.download(r.assessor, r.round.id)) as zf:
        for name in zf.namelist():
            assert zf.read(name) == (out / name).read_bytes()
    # the 汇总 as JSON, and each unit's result as `assess` gives it
    run = _assess([*command[1:5], "--format", "json", "-o", "json", *command[7:]], unpacked)
    assert run.returncode == 0, run.stderr
    cli_summary = json.loads((unpacked / "json" / "汇总.json").read_text(encoding="utf-8"))
    server_summary = r.store.summary(r.assessor, r.round.id)
    for row in server_summary["ranking"]:  # a JSON-only batch writes no scoresheets, so names none
        assert row.pop("scoresheet").endswith("年度评分表.xlsx")
    assert [row.pop("scoresheet") for row in cli_summary["ranking"]] == [None, None]
    assert cli_summary == server_summary
    assert [x["unit"] for x in cli_summary["ranking"]] == [x.unit for x in r.store.ranking(r.assessor, r.round.id)]
    for unit, user in ((r.a, r.ua), (r.b, r.ub)):
        file = f"submissions/{archive.submission_name(unit.position, unit.name)}"
        args = [file, "-r", command[4], "--overrides", "review.yaml", "--as-of", T0.isoformat(), "--format", "json"]
        run = _assess(args, unpacked)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout) == json.loads(r.store.result(user, unit.id).model_dump_json())
    totals = {x.unit: x.total for x in r.store.ranking(r.assessor, r.round.id)}
    assert totals == {"花山区人民政府": Decimal("92.21"), "乙区人民政府": Decimal("89.66")}


def test_the_archive_holds_what_it_says(finalized, tmp_path):
    r = finalized
    target = r.store.export(r.round.id, tmp_path / "批次.zip")
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        review = zf.read("review.yaml").decode()
    assert {
        "README.txt",
        "round.json",
        "review.yaml",
        "rules/demo-district-2013.yaml",
        "rules/demo-district-2013.分工.yaml",
        "submissions/001-花山区人民政府.json",
        "submissions/002-乙区人民政府.json",
        "results/汇总.xlsx",
        "results/汇总.json",
        "results/花山区人民政府-2012年度评分表.xlsx",
        f"evidence/{archive.sha256_of(PDF)}",
    } <= names
    assert set(manifest["sha256"]) == names - {"manifest.json"}
    assert '复核人: "考核组张三"' in review and "扣分: 0.5" in review and "得分: 1.5" in review


def test_an_import_restores_the_round(finalized, tmp_path, db_url):
    r = finalized
    target = r.store.export(r.round.id, tmp_path / "批次.zip")
    other = Store(f"sqlite:///{tmp_path / '另一个.db'}", tmp_path / "另一个", hasher=accounts.quick_hasher())
    try:
        made: list = []
        restored = other.import_(target, accounts_out=made)
        assert (restored.ruleset_id, restored.year, restored.finalized_at) == ("demo-district-2013", 2012, T0)
        assessor, _ = other.add_user("考核组李四", "考核组", "assessor-pass")
        assert other.ranking(assessor, restored.id) == [
            x.__class__(**{**x.__dict__, "unit_id": made[n][0].id})
            for n, x in enumerate(r.store.ranking(r.assessor, r.round.id))
        ]
        (ua_unit, ua_name, ua_pw), (ub_unit, _, _) = made
        ua = other.login(ua_name, ua_pw, client="x")
        assert other.scoresheet(ua, ua_unit.id).read_bytes() == r.store.scoresheet(r.ua, r.a.id).read_bytes()
        view = other.submission(ua, ua_unit.id)
        assert view.status == FINAL and view.data == r.store.submission(r.ua, r.a.id).data
        [ev] = view.evidence
        assert other.evidence(ua, ev.id)[1].read_bytes() == PDF
        log = other.review_log(assessor, ub_unit.id)
        assert [(e.item, e.kind, e.amount, e.reviewer, e.created_at) for e in log] == [
            (e.item, e.kind, e.amount, e.reviewer, e.created_at) for e in r.store.review_log(r.assessor, r.b.id)
        ]
        assert other.result(ua, ua_unit.id) == r.store.result(r.ua, r.a.id)
        again = other.export(restored.id, tmp_path / "再导出.zip")
        with zipfile.ZipFile(again) as a, zipfile.ZipFile(target) as b:
            same = [n for n in b.namelist() if n.startswith(("submissions/", "results/", "evidence/", "rules/"))]
            assert all(a.read(n) == b.read(n) for n in same) and same
    finally:
        other.close()


def test_an_unfinished_round_exports_drafts_apart_and_imports(two_units, tmp_path):
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    r.store.submit(r.ua, r.a.id, version=1)
    r.store.send_back(r.assessor, r.a.id, "请补充")
    r.store.save(r.ub, r.b.id, example_data(), version=0)
    target = r.store.export(r.round.id, tmp_path / "未定稿.zip")
    with zipfile.ZipFile(target) as zf:
        assert sorted(n for n in zf.namelist() if n.endswith(".json") and "/" in n) == [
            "drafts/001-花山区人民政府.json",
            "drafts/002-乙区人民政府.json",
        ]
    made: list = []
    restored = r.store.import_(target, accounts_out=made)
    assert restored.id != r.round.id and restored.finalized_at is None
    ua = r.store.login(made[0][1], made[0][2], client="x")
    view = r.store.submission(ua, made[0][0].id)
    assert (view.status, view.message) == (RETURNED, "请补充")


def test_a_damaged_archive_is_refused_before_anything_is_restored(finalized, tmp_path):
    r = finalized
    target = r.store.export(r.round.id, tmp_path / "批次.zip")
    damaged = tmp_path / "坏.zip"
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "submissions/002-乙区人民政府.json":
                data = data.replace(
                    b'"\xe6\xb3\x95\xe5\x88\xb6\xe5\xb7\xa5\xe4\xbd\x9c\xe4\xba\xba\xe5\x91\x98\xe6\x95\xb0": 1',
                    b'"\xe6\xb3\x95\xe5\x88\xb6\xe5\xb7\xa5\xe4\xbd\x9c\xe4\xba\xba\xe5\x91\x98\xe6\x95\xb0": 9',
                )
            out.writestr(info, data)
    before = len(r.store.rounds(r.assessor))
    with pytest.raises(ArchiveError) as info:
        r.store.import_(damaged)
    assert "SHA-256" in str(info.value) and "002-乙区人民政府.json" in str(info.value)
    assert len(r.store.rounds(r.assessor)) == before
    (tmp_path / "空.zip").write_bytes(b"")
    with pytest.raises(ArchiveError):
        r.store.import_(tmp_path / "空.zip")


def test_a_missing_special_or_non_zip_archive_is_refused_in_chinese(tmp_path):
    import os

    from server.archive import ArchiveError, open_archive

    fifo = tmp_path / "管道.zip"
    os.mkfifo(fifo)  # opening it to read would block forever
    (tmp_path / "坏.zip").write_text("不是 zip", encoding="utf-8")
    for name, said in [("没有.zip", "文件不存在"), ("管道.zip", "不是普通文件"), ("坏.zip", "不是批次导出文件（zip）")]:
        with pytest.raises(ArchiveError) as caught:
            open_archive(tmp_path / name)
        assert said in str(caught.value) and "Errno" not in str(caught.value)
