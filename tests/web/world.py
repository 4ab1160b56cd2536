"""A small store for the web tests: reviewers, accounts with hostile names, posts with
lexicon spans, an image that matches a bank item, signals, scores and a listed neighbour."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from vigil.config import Settings
from vigil.model import (
    Account,
    AccountHandle,
    BankHash,
    Follow,
    HashBank,
    ListEntry,
    Media,
    MediaMatch,
    Platform,
    Post,
    PostMedia,
    Score,
    Signal,
    detection,
)
from vigil.review.users import add_user
from vigil.store import Database
from vigil.store.media import MediaStore

PASSWORD = "correct horse battery staple"
HOSTILE_NAME = "<script>alert(1)</script>\u202egnp.exe"
REMOTE_URL = "https://pbs.platform.example/media/evil.jpg"
USERS = {"ann": "analyst", "bob": "analyst", "lea": "lead", "vic": "viewer", "ada": "admin"}
T0 = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class World:
    target: int  # the hostile account, top of the queue
    second: int
    neighbour: int  # already on the blacklist
    media_sha: str
    bank_sha: str
    post: int


def _image(seed: int) -> bytes:
    img = Image.new("RGB", (96, 64), (20 * seed % 255, 90, 140))
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 60 + seed, 50), fill=(230, 230, 40))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def seed_world(db: Database, settings: Settings) -> World:
    for name, role in USERS.items():
        add_user(db, name, role, password=PASSWORD)
    store = MediaStore(settings.media_dir)
    posted = store.put_bytes(_image(1))
    banked = store.put_bytes(_image(2))
    with db.transaction() as s:
        x = Platform(name="x", kind="x")
        s.add(x)
        s.flush()
        target = Account(
            platform_id=x.id,
            platform_account_id="1001",
            handle="evil_one",
            display_name=HOSTILE_NAME,
            bio="follow \u0430nd share",
            lang="ar",
            avatar_url=REMOTE_URL,
            profile_seen_at=T0,
        )
        second = Account(
            platform_id=x.id,
            platform_account_id="1002",
            handle="second",
            display_name="Second",
            lang="fr",
        )
        neighbour = Account(platform_id=x.id, platform_account_id="1003", handle="listed_one")
        s.add_all([target, second, neighbour])
        s.flush()
        s.add(
            AccountHandle(
                account_id=target.id, handle="old_evil", first_seen=T0 - timedelta(days=9)
            )
        )
        s.add(AccountHandle(account_id=target.id, handle="evil_one", first_seen=T0))
        s.add(Follow(source_id=target.id, target_id=neighbour.id))
        link_model = getattr(detection, "AccountLink", None)
        if link_model is not None:  # resurgence links, when the detection model has them
            s.add(
                link_model(
                    new_account_id=target.id,
                    prior_account_id=neighbour.id,
                    confidence=0.91,
                    evidence={},
                    method="profile",
                    version="1",
                    status="proposed",
                )
            )
        s.add(
            ListEntry(
                account_id=neighbour.id,
                kind="black",
                status="active",
                criterion="official_media",
                source="prior-list",
            )
        )
        text = "Watch the new release from Amaq news tonight"
        post = Post(
            platform_id=x.id,
            platform_post_id="p1",
            account_id=target.id,
            created_at=T0,
            text=text,
            url=REMOTE_URL,
        )
        s.add(post)
        s.flush()
        media = Media(
            platform_id=x.id,
            media_key="m1",
            kind="photo",
            url=REMOTE_URL,
            sha256=posted.sha256,
            pdq="a" * 64,
            local_path=posted.relative_path,
        )
        bank_media = Media(
            kind="photo", sha256=banked.sha256, pdq="b" * 64, local_path=banked.relative_path
        )
        s.add_all([media, bank_media])
        s.flush()
        s.add(PostMedia(post_id=post.id, media_id=media.id))
        bank = HashBank(name="tcap", threshold=31)
        s.add(bank)
        s.flush()
        item = BankHash(bank_id=bank.id, pdq="b" * 64, item="release-12", label="Release 12")
        s.add(item)
        s.flush()
        s.add(
            MediaMatch(
                media_id=media.id,
                bank_id=bank.id,
                bank_hash_id=item.id,
                item="release-12",
                distance=7,
            )
        )
        start = text.index("Amaq")
        s.add_all(
            [
                Signal(
                    account_id=target.id,
                    name="text",
                    version="1",
                    value=0.8,
                    explanation="1 of 1 posts name outlet 'amaq'",
                    evidence={
                        "posts": [post.id],
                        "spans": {str(post.id): [[start, start + 4, "amaq", "outlet"]]},
                        "counter": {"posts": [], "spans": {}},
                    },
                ),
                Signal(
                    account_id=target.id,
                    name="media",
                    version="1",
                    value=0.9,
                    explanation="1 image matches tcap",
                    evidence={"media": [media.id], "posts": [post.id]},
                ),
                Signal(
                    account_id=target.id,
                    name="network",
                    version="1",
                    value=0.4,
                    explanation="follows 1 confirmed account",
                    evidence={"confirmed_neighbours": [neighbour.id]},
                ),
            ]
        )
        contributions = {
            "intercept": -4.0,
            "signals": {
                "text": {
                    "value": 0.8,
                    "weight": 6.0,
                    "contribution": 4.8,
                    "explanation": "names outlet",
                },
                "media": {
                    "value": 0.9,
                    "weight": 5.0,
                    "contribution": 4.5,
                    "explanation": "bank match",
                },
                "text_counter": {
                    "value": 0.2,
                    "weight": -4.0,
                    "contribution": -0.8,
                    "explanation": "20% of posts hold counter-evidence",
                },
            },
            "evidence": {"posts": [post.id], "media": [media.id]},
        }
        s.add(
            Score(account_id=target.id, value=0.97, model_version="t", contributions=contributions)
        )
        s.add(
            Score(
                account_id=second.id,
                value=0.6,
                model_version="t",
                contributions={
                    "signals": {
                        "text": {
                            "value": 0.6,
                            "weight": 6.0,
                            "contribution": 3.6,
                            "explanation": "x",
                        }
                    }
                },
            )
        )
        return World(target.id, second.id, neighbour.id, posted.sha256, banked.sha256, post.id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def form_token(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)
