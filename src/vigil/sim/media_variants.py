"""Altered copies of images, as reposting accounts make them.

"Easy" kinds keep a PDQ match (distance <= 31) most of the time; "hard" kinds usually break
it, so the detection side has something to be measured against on both sides of the line.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from vigil.sim.media_paint import (
    Colour,
    Font,
    contrasting,
    default_font,
    pseudo_word,
    random_colour,
)

__all__ = [
    "VARIANT_KINDS_EASY",
    "VARIANT_KINDS_HARD",
    "alter_avatar",
    "make_variant",
]

VARIANT_KINDS_EASY: tuple[str, ...] = ("resize", "jpeg", "overlay", "border", "blur")
VARIANT_KINDS_HARD: tuple[str, ...] = ("crop", "screenshot")

_LIGHT_THEME: tuple[Colour, Colour, Colour] = ((250, 250, 250), (20, 20, 24), (110, 115, 122))
_DARK_THEME: tuple[Colour, Colour, Colour] = ((21, 24, 28), (236, 238, 240), (128, 134, 140))


def _handle(rng: random.Random) -> str:
    return f"@{pseudo_word(rng)}_{rng.randint(1, 999)}"


def _fit(d: ImageDraw.ImageDraw, words: list[str], font: Font, width: float) -> str:
    """As many of ``words`` as fit in ``width`` pixels (at least the first)."""
    text = words[0]
    for word in words[1:]:
        if d.textlength(f"{text} {word}", font=font) > width:
            break
        text = f"{text} {word}"
    return text


def _resize(img: Image.Image, rng: random.Random) -> Image.Image:
    f = rng.uniform(0.5, 0.9)
    w, h = img.size
    return img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.BILINEAR)


def _jpeg(img: Image.Image, rng: random.Random) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randint(40, 70))
    buf.seek(0)
    with Image.open(buf) as decoded:
        return decoded.convert("RGB")


def _overlay(img: Image.Image, rng: random.Random) -> Image.Image:
    """A caption bar or a corner tag, under 10% of the area, half see-through."""
    out = img.copy()
    w, h = out.size
    if rng.random() < 0.6:
        bh = max(8, round(h * rng.uniform(0.04, 0.07)))
        bw = round(w * rng.uniform(0.5, 1.0))
    else:
        bh = max(8, round(h * rng.uniform(0.05, 0.08)))
        bw = round(w * rng.uniform(0.2, 0.4))
    x = rng.choice((0, w - bw, rng.randrange(max(1, w - bw + 1))))
    y = rng.choice((0, h - bh, rng.randrange(max(1, h - bh + 1))))
    box = (x, y, x + bw, y + bh)
    shade = (0, 0, 0) if rng.random() < 0.7 else (255, 255, 255)
    region = out.crop(box)
    alpha = rng.uniform(0.35, 0.6)
    out.paste(Image.blend(region, Image.new("RGB", region.size, shade), alpha), box[:2])
    ink = (255, 255, 255) if shade == (0, 0, 0) else (20, 20, 20)
    words = rng.choice(
        ([_handle(rng)], [pseudo_word(rng), pseudo_word(rng)], ["t.me/" + pseudo_word(rng)])
    )
    font = default_font(max(9, round(bh * 0.6)))
    text = _fit(ImageDraw.Draw(out), words, font, bw - bh * 0.6)
    ImageDraw.Draw(out).text((x + bh * 0.3, y + bh * 0.15), text, font=font, fill=ink)
    return out


def _border(img: Image.Image, rng: random.Random) -> Image.Image:
    """A 2-4 px frame painted over the edge (the canvas keeps its size, as in most editors)."""
    out = img.copy()
    w, h = out.size
    colour = rng.choice(((255, 255, 255), (0, 0, 0), random_colour(rng)))
    ImageDraw.Draw(out).rectangle((0, 0, w - 1, h - 1), outline=colour, width=rng.randint(2, 4))
    return out


def _blur(img: Image.Image, rng: random.Random) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    """Trim 4-8% from one or more sides."""
    w, h = img.size
    sides = [s for s in range(4) if rng.random() < 0.5] or [rng.randrange(4)]
    cut = [0.0, 0.0, 0.0, 0.0]
    for s in sides:
        cut[s] = rng.uniform(0.04, 0.08)
    box = (round(w * cut[0]), round(h * cut[1]), w - round(w * cut[2]), h - round(h * cut[3]))
    return img.crop(box)


def _icon(d: ImageDraw.ImageDraw, kind: int, cx: float, cy: float, r: float, ink: Colour) -> None:
    if kind == 0:
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=ink, width=2)
    elif kind == 1:
        d.regular_polygon((cx, cy, r), 3, 90, outline=ink, width=2)
    elif kind == 2:
        d.rectangle((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), outline=ink, width=2)
    else:
        d.line((cx - r, cy + r, cx + r, cy - r), fill=ink, width=2)
        d.line((cx - r, cy - r * 0.2, cx - r, cy + r, cx + r * 0.2, cy + r), fill=ink, width=2)


def _screenshot(img: Image.Image, rng: random.Random) -> Image.Image:
    """The image inside a phone-app frame: status bar, poster header, post text, action row."""
    bg, fg, muted = _LIGHT_THEME if rng.random() < 0.6 else _DARK_THEME
    w, h = img.size
    pad = round(w * rng.uniform(0.0, 0.06))
    fw = w + 2 * pad
    ui = max(fw, 160)  # chrome keeps a phone's proportions even around a tiny image
    status, header, actions = round(ui * 0.055), round(ui * 0.13), round(ui * 0.1)
    target = rng.uniform(0.5, 0.75)  # share of the frame's area the image takes
    fh = max(round(w * h / (target * fw)), status + header + h + actions + round(fw * 0.04))
    spare = fh - (status + header + h + actions)
    above = round(spare * rng.uniform(0.15, 0.5))
    frame = Image.new("RGB", (fw, fh), bg)
    d = ImageDraw.Draw(frame)
    small, big = default_font(max(9, round(ui / 36))), default_font(max(10, round(ui / 28)))
    d.text(
        (fw * 0.05, status * 0.2),
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        font=small,
        fill=fg,
    )
    d.rectangle((fw * 0.86, status * 0.3, fw * 0.93, status * 0.7), outline=fg, width=1)
    d.rectangle((fw * 0.86, status * 0.3, fw * rng.uniform(0.87, 0.93), status * 0.7), fill=fg)
    # poster header: avatar disc, display name, handle
    y = status
    r = header * 0.32
    ax, ay = fw * 0.04 + r, y + header / 2
    d.ellipse((ax - r, ay - r, ax + r, ay + r), fill=random_colour(rng, 0.3, 0.9))
    name = f"{pseudo_word(rng).title()} {pseudo_word(rng, 2).title()}"
    d.text((ax + r * 1.5, ay - r * 0.9), name, font=big, fill=fg)
    d.text((ax + r * 1.5, ay + r * 0.15), _handle(rng), font=small, fill=muted)
    y += header
    line_h = round(ui / 22)
    for k in range(max(0, (above - line_h) // line_h)):
        words = _fit(d, [pseudo_word(rng) for _ in range(rng.randint(3, 7))], big, fw * 0.9)
        d.text((fw * 0.05, y + k * line_h + line_h * 0.2), words, font=big, fill=fg)
    y += above
    frame.paste(img, (pad, y))
    y += h
    for k in range(4):
        _icon(d, k, fw * (0.12 + 0.24 * k), y + actions / 2, actions * 0.2, muted)
    y += actions
    d.line((0, y + 2, fw, y + 2), fill=muted, width=1)
    if fh - y > header:  # the top of the next post in the timeline
        ny = y + header / 2
        d.ellipse((ax - r, ny - r, ax + r, ny + r), fill=contrasting(rng, bg, 0.3))
        d.text((ax + r * 1.5, ny - r * 0.9), pseudo_word(rng).title(), font=big, fill=fg)
    return frame


_MAKERS = {
    "resize": _resize,
    "jpeg": _jpeg,
    "overlay": _overlay,
    "border": _border,
    "blur": _blur,
    "crop": _crop,
    "screenshot": _screenshot,
}


def make_variant(img: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """A reposted copy of ``img`` altered as ``kind`` says (one of the VARIANT_KINDS_*)."""
    try:
        maker = _MAKERS[kind]
    except KeyError:
        raise ValueError(f"unknown variant kind {kind!r}") from None
    return maker(img.convert("RGB"), rng)


def alter_avatar(img: Image.Image, rng: random.Random) -> Image.Image:
    """A returning account's take on its old avatar: a tint, a slight re-crop, a faint mark.

    Sized so PDQ distance to the original is typically 5-40 bits: close enough to link the
    accounts, far enough that an exact-hash lookup would miss it.
    """
    out = img.convert("RGB")
    w, h = out.size
    out = ImageEnhance.Color(out).enhance(rng.uniform(0.6, 1.4))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.85, 1.15))
    recrop = rng.random() < 0.8
    if recrop:
        c = [rng.uniform(0.0, 0.012) for _ in range(4)]
        box = (w * c[0], h * c[1], w * (1 - c[2]), h * (1 - c[3]))
        out = out.resize((w, h), Image.Resampling.BILINEAR, box=box)
    if not recrop or rng.random() < 0.5:
        r = min(w, h) * rng.uniform(0.03, 0.05)
        cx = rng.choice((r * 1.5, w - r * 1.5))
        cy = rng.choice((r * 1.5, h - r * 1.5))
        marked = out.copy()
        dot = random_colour(rng, 0.2, 1.0, 0.5, 1.0)
        ImageDraw.Draw(marked).ellipse((cx - r, cy - r, cx + r, cy + r), fill=dot)
        out = Image.blend(out, marked, 0.5)
    return out
