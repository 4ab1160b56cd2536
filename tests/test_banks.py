"""Hash banks on both databases: import CSV and JSON, add images, export, list, match."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.support.cli import run_cli
from vigil.config import Settings
from vigil.errors import InputError, NotFoundError
from vigil.model import AuditEvent, BankHash, Media, MediaMatch, Platform
from vigil.signals.banks import add_images, export_rows, import_file, list_banks
from vigil.signals.media import hash_media, match_media
from vigil.signals.pdq import hash_image, video_hashes
from vigil.sim.media import draw_release
from vigil.store import Database

T0 = datetime(2026, 9, 1, tzinfo=UTC)
H0 = "f" * 64


def _near(hexed: str, bits: int) -> str:
    """`hexed` with its lowest `bits` bits flipped."""
    return f"{int(hexed, 16) ^ ((1 << bits) - 1):064x}"


def test_csv_and_json_import_export_and_list(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f"pdq,label\n{H0},release 1\n{'0' * 64},\n")
    entries = [
        {"id": "td-1", "raw_indicator": "1" * 64, "type": "HASH_PDQ", "tags": ["amaq"]},
        {"signal_type": "md5", "hash": "abc"},  # another hash type: skipped
        {"pdq": "2" * 64, "label": "tcap"},
    ]
    (tmp_path / "b.json").write_text(json.dumps({"data": entries}, indent=1))
    with db.transaction() as s:
        assert import_file(s, "tcap", tmp_path / "a.csv", actor="t") == 2
        assert import_file(s, "tcap", tmp_path / "a.csv", actor="t") == 0  # idempotent
        assert import_file(s, "tcap", tmp_path / "b.json", actor="t", threshold=20) == 2
        actions = s.execute(sa.select(AuditEvent.action)).scalars().all()
    assert actions.count("bank.import") == 3
    assert "bank.create" in actions
    with db.session() as s:
        [info] = list_banks(s)
        rows = export_rows(s, "tcap")
        with pytest.raises(NotFoundError):
            export_rows(s, "nope")
    assert (info.name, info.threshold, info.hashes) == ("tcap", 20, 4)
    assert {r["item"] for r in rows} == {"release 1", "0" * 64, "td-1", "tcap"}
    assert next(r for r in rows if r["item"] == "td-1")["label"] == "amaq"


@pytest.mark.parametrize(
    ("name", "body", "where"),
    [
        ("bad.csv", f"pdq,label\n{H0},ok\nxyz,bad\n", "bad.csv:3 field 'pdq'"),
        ("bad.csv", "hash,label\nx,y\n", "bad.csv:1 field 'pdq'"),
        (
            "bad.json",
            f'[\n {{"pdq": "{H0}"}},\n {{"pdq": "{H0[:-1]}"}}\n]',
            "bad.json:3 field 'pdq'",
        ),
        ("bad.json", f'{{"hashes": [\n"{H0}",\n{{"hash": 5}}]}}', "bad.json:3 field 'hash'"),
    ],
)
def test_a_bad_line_is_one_error_naming_file_line_field(
    db: Database, tmp_path: Path, name: str, body: str, where: str
) -> None:
    (tmp_path / name).write_text(body)
    with pytest.raises(InputError) as info, db.transaction() as s:
        import_file(s, "b", tmp_path / name, actor="t")
    assert str(info.value).startswith(where.replace("bad", str(tmp_path / "bad"), 1))
    assert "\n" not in str(info.value)
    with db.session() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(BankHash)).scalar_one() == 0


def _store_image(db: Database, settings: Settings, img: Image.Image, name: str) -> int:
    path = settings.media_dir / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    with db.transaction() as s:
        if s.execute(sa.select(Platform)).first() is None:
            s.add(Platform(name="x", kind="x"))
            s.flush()
        media = Media(media_key=name, kind="photo", local_path=f"{name}.png")
        s.add(media)
        s.flush()
        return media.id


def test_thresholds_quality_and_matches(db: Database, settings: Settings, tmp_path: Path) -> None:
    release = draw_release(random.Random(4), 1, "Amaq")
    full = hash_image(release).hex
    flat = Image.new("RGB", (200, 200), (128, 128, 128))
    ids = [_store_image(db, settings, img, n) for img, n in ((release, "r"), (flat, "flat"))]
    (tmp_path / "b.csv").write_text(
        f"pdq,item\n{_near(full, 20)},twenty\n{_near(full, 40)},forty\n"
        f"{hash_image(flat).hex},flat\n"
    )
    with db.transaction() as s:
        import_file(s, "wide", tmp_path / "b.csv", actor="t")
        import_file(s, "narrow", tmp_path / "b.csv", actor="t", threshold=10)
        assert hash_media(s, settings.media_dir, ids) == 2
        matches = match_media(s, ids)
    assert [(m.bank, m.item, m.distance, m.media_id) for m in matches] == [
        ("wide", "twenty", 20, ids[0])
    ]  # the flat image (quality < 50) matches nothing, even its own hash
    with db.session() as s:
        flat_row = s.get(Media, ids[1])
        assert flat_row is not None
        assert (flat_row.pdq_quality or 0) < 50
        stored = s.execute(sa.select(MediaMatch.item, MediaMatch.distance)).all()
    assert [tuple(r) for r in stored] == [("twenty", 20)]
    with db.transaction() as s:  # matching again replaces, never duplicates
        match_media(s, ids)
        assert s.execute(sa.select(sa.func.count()).select_from(MediaMatch)).scalar_one() == 1


def test_add_images_stores_sub_crops_under_one_item(db: Database, tmp_path: Path) -> None:
    draw_release(random.Random(6), 2, "Amaq").save(tmp_path / "release-12.png")
    with db.transaction() as s:
        added = add_images(s, "own", [tmp_path / "release-12.png"], actor="t", label="x")
        again = add_images(s, "own", [tmp_path / "release-12.png"], actor="t")
    assert (added, again) == (16, 0)
    with db.session() as s:
        [info] = list_banks(s)
    assert (info.hashes, info.items) == (16, 1)


def test_cli_bank_commands(
    capsys: pytest.CaptureFixture[str], settings: Settings, tmp_path: Path
) -> None:
    home = ["--home", str(settings.home)]
    draw_release(random.Random(7), 3, "Amaq").save(tmp_path / "r.png")
    (tmp_path / "h.csv").write_text(f"pdq,label\n{H0},x\n")
    env = pytest.MonkeyPatch()
    env.setenv("VIGIL_DATABASE_URL", settings.effective_database_url)
    try:
        r = run_cli(capsys, *home, "bank", "add", "mine", str(tmp_path / "r.png"), "--no-crops")
        assert r.code == 0, r.err
        r = run_cli(capsys, *home, "bank", "import", "mine", str(tmp_path / "h.csv"), "-f", "json")
        assert r.code == 0
        assert json.loads(r.out)["new_hashes"] == 1
        r = run_cli(capsys, *home, "bank", "list", "--format", "json")
        assert json.loads(r.out) == [{"name": "mine", "threshold": 31, "hashes": 2, "items": 2}]
        r = run_cli(capsys, *home, "bank", "export", "mine")
        assert r.out.splitlines()[0] == "pdq,label,item,quality,variant"
        assert H0 in r.out
        (tmp_path / "bad.csv").write_text("pdq\nnope\n")
        r = run_cli(capsys, *home, "bank", "import", "mine", str(tmp_path / "bad.csv"))
        assert r.code == 65
        assert "bad.csv:2 field 'pdq'" in r.err
        assert r.err.count("\n") == 1
        r = run_cli(capsys, *home, "bank", "export", "nope")
        assert r.code == 4
    finally:
        env.undo()


def _write_video(path: Path, frames: list[Image.Image], fps: int = 5) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        for img in frames:
            for _ in range(fps):  # one second each
                out.mux(stream.encode(av.VideoFrame.from_image(img)))
        out.mux(stream.encode(None))


def test_video_keyframes_match_the_bank(db: Database, settings: Settings, tmp_path: Path) -> None:
    rng = random.Random(9)
    intro, release = draw_release(rng, 1, "Amaq"), draw_release(rng, 2, "al-Hayat")
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    _write_video(settings.media_dir / "v.mp4", [intro, intro, release])
    assert len(video_hashes(settings.media_dir / "v.mp4")) == 2  # repeats dropped
    (tmp_path / "b.csv").write_text(f"pdq,item\n{hash_image(release).hex},release\n")
    with db.transaction() as s:
        s.add(Media(media_key="v", kind="video", local_path="v.mp4"))
        s.flush()
        ids = list(s.execute(sa.select(Media.id)).scalars())
        import_file(s, "b", tmp_path / "b.csv", actor="t")
        assert hash_media(s, settings.media_dir, ids) == 1
        [match] = match_media(s, ids)
    assert match.item == "release"
    assert match.query_variant == "frame-2"
    assert match.distance <= 31
