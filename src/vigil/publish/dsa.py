"""DSA Article 16 notices: a substantiated explanation, the exact URLs, the notifier's name
and email and the good-faith statement, as an email (.eml) and a printable HTML page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from vigil.config import PublishSettings

__all__ = ["GOOD_FAITH", "Notice", "write_notice", "write_withdrawal"]

GOOD_FAITH = (
    "I confirm my bona fide belief that the information and allegations contained in this "
    "notice are accurate and complete (Article 16(2)(d) of Regulation (EU) 2022/2065)."
)
_LEGAL_BASIS = (
    "The content is terrorist content within the meaning of Article 2(7) of Regulation (EU) "
    "2021/784 and is illegal under the national laws implementing Directive (EU) 2017/541 on "
    "combating terrorism."
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Notice:
    """What one notice is about; `explanation` is built from the criterion and evidence."""

    key: str  # file name stem, e.g. "x-12345" (sanitised before use)
    provider: str
    recipient_email: str | None
    recipient_url: str | None
    subject_kind: str  # account | url
    urls: tuple[str, ...]
    criterion: str
    explanation: str
    created_at: datetime

    def text(self, settings: PublishSettings) -> str:
        lines = [
            f"To: {self.provider}",
            "",
            "Notice of illegal content under Article 16 of the Digital Services Act "
            "(Regulation (EU) 2022/2065).",
            "",
            "1. Explanation of why the content is illegal",
            f"Criterion {self.criterion} of our published inclusion policy "
            f"({settings.public_url}/policy). {self.explanation}",
            _LEGAL_BASIS,
            "",
            "2. Exact electronic location of the content",
            *[f"   {u}" for u in self.urls],
            "",
            "3. Notifier",
            f"   {settings.notifier_name} ({settings.org_name}), {settings.notifier_email}",
            "",
            "4. Statement",
            f"   {GOOD_FAITH}",
            "",
            f"Date: {self.created_at.date().isoformat()}",
        ]
        return "\n".join(lines) + "\n"


def _html(notice: Notice, settings: PublishSettings) -> str:
    e = html.escape
    urls = "".join(f"<li><code>{e(u)}</code></li>" for u in notice.urls)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>DSA Article 16 notice to {e(notice.provider)}</title>
<style>body{{font:12pt/1.5 serif;max-width:42em;margin:2em auto}}code{{word-break:break-all}}
@media print{{body{{margin:0}}}}</style></head><body>
<h1>Notice of illegal content</h1>
<p>Article 16 of the Digital Services Act (Regulation (EU) 2022/2065), to
<strong>{e(notice.provider)}</strong>, {e(notice.created_at.date().isoformat())}.</p>
<h2>1. Why the content is illegal</h2>
<p>Criterion <strong>{e(notice.criterion)}</strong> of our published inclusion policy
(<code>{e(settings.public_url)}/policy</code>). {e(notice.explanation)}</p>
<p>{e(_LEGAL_BASIS)}</p>
<h2>2. Exact location of the content</h2><ul>{urls}</ul>
<h2>3. Notifier</h2>
<p>{e(settings.notifier_name)} ({e(settings.org_name)}),
<a href="mailto:{e(settings.notifier_email)}">{e(settings.notifier_email)}</a></p>
<h2>4. Statement</h2><p>{e(GOOD_FAITH)}</p>
</body></html>
"""


def write_notice(notice: Notice, settings: PublishSettings, folder: Path) -> tuple[Path, Path]:
    """Write `<key>.eml` and `<key>.html` under `folder`; returns both paths."""
    stem = _SAFE_NAME.sub("_", notice.key).strip("._") or "notice"
    folder.mkdir(parents=True, exist_ok=True)
    msg = EmailMessage()
    msg["From"] = f"{settings.notifier_name} <{settings.notifier_email}>"
    msg["To"] = notice.recipient_email or settings.notifier_email
    msg["Subject"] = f"DSA Art. 16 notice: terrorist content ({notice.subject_kind})"
    msg["Date"] = format_datetime(notice.created_at)
    msg["Message-ID"] = make_msgid(domain=settings.notifier_email.rpartition("@")[2] or None)
    if notice.recipient_url and not notice.recipient_email:
        msg["X-Vigil-Submit-Via"] = notice.recipient_url
    msg.set_content(notice.text(settings))
    msg.add_alternative(_html(notice, settings), subtype="html")
    eml, page = folder / f"{stem}.eml", folder / f"{stem}.html"
    eml.write_bytes(bytes(msg))
    page.write_text(_html(notice, settings), encoding="utf-8")
    return eml, page


def write_withdrawal(
    *,
    key: str,
    provider: str,
    recipient_email: str | None,
    urls: list[str],
    original: datetime,
    now: datetime,
    settings: PublishSettings,
    folder: Path,
) -> Path:
    """A short email withdrawing an earlier notice (the account was whitelisted or delisted
    on appeal); returns the .eml path."""
    stem = _SAFE_NAME.sub("_", key).strip("._") or "withdrawal"
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n".join(
        [
            f"To: {provider}",
            "",
            f"We withdraw our notice of {original.date().isoformat()} under Article 16 of the "
            "Digital Services Act about:",
            *[f"   {u}" for u in urls],
            "",
            "After further review we no longer hold that this content is illegal. Please "
            "disregard the notice and reverse any action taken on it alone. We apologise.",
            "",
            f"{settings.notifier_name} ({settings.org_name}), {settings.notifier_email}",
            f"Date: {now.date().isoformat()}",
        ]
    )
    msg = EmailMessage()
    msg["From"] = f"{settings.notifier_name} <{settings.notifier_email}>"
    msg["To"] = recipient_email or settings.notifier_email
    msg["Subject"] = "Withdrawal of a DSA Art. 16 notice"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=settings.notifier_email.rpartition("@")[2] or None)
    msg.set_content(body + "\n")
    eml = folder / f"{stem}.eml"
    eml.write_bytes(bytes(msg))
    return eml
