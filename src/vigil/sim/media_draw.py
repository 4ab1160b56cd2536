"""Procedural drawing of the synthetic world's images: releases, everyday photos, avatars.

Everything is abstract geometry so the world never holds real propaganda; the shapes and
grain are there so PDQ sees enough structure to hash reliably.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

from PIL import Image, ImageDraw

from vigil.sim.media_paint import (
    Colour,
    add_grain,
    contrasting,
    default_font,
    gradient,
    hsv,
    random_colour,
    value,
    vertical_gradient,
)

__all__ = ["draw_avatar", "draw_ordinary", "draw_release"]

_MIN_SIDE = 16


def _check_size(size: int) -> None:
    if size < _MIN_SIDE:
        raise ValueError(f"image side {size} is below the minimum of {_MIN_SIDE} px")


def _shape(d: ImageDraw.ImageDraw, rng: random.Random, s: int, fill: Colour) -> None:
    """One random geometric shape somewhere on an s×s canvas (it may run off the edge)."""
    r = s * rng.uniform(0.06, 0.3)
    cx, cy = rng.uniform(-0.05, 1.05) * s, rng.uniform(-0.05, 1.05) * s
    kind = rng.randrange(6)
    if kind == 0:
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    elif kind == 1:
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=fill, width=max(2, int(r * 0.25)))
    elif kind == 2:
        d.rectangle((cx - r, cy - r * rng.uniform(0.3, 1.0), cx + r, cy + r * 0.5), fill=fill)
    elif kind == 3:
        d.regular_polygon((cx, cy, r), rng.randint(3, 8), rng.uniform(0, 360), fill=fill)
    elif kind == 4:
        start = rng.uniform(0, 360)
        d.pieslice((cx - r, cy - r, cx + r, cy + r), start, start + rng.uniform(90, 270), fill=fill)
    else:
        pts = [(cx + rng.uniform(-r, r) * 1.5, cy + rng.uniform(-r, r) * 1.5) for _ in range(3)]
        d.polygon(pts, fill=fill)


def _band(d: ImageDraw.ImageDraw, rng: random.Random, s: int, fill: Colour) -> None:
    t = s * rng.uniform(0.04, 0.16)
    a, b = rng.uniform(-0.1, 1.1) * s, rng.uniform(-0.1, 1.1) * s
    if rng.random() < 0.5:  # runs left to right
        d.polygon([(0, a), (s, b), (s, b + t), (0, a + t)], fill=fill)
    else:
        d.polygon([(a, 0), (b, s), (b + t, s), (a + t, 0)], fill=fill)


def _hatch(d: ImageDraw.ImageDraw, rng: random.Random, s: int, fill: Colour) -> None:
    """A patch of fine parallel lines or dots: texture that raises PDQ quality."""
    w, h = s * rng.uniform(0.2, 0.5), s * rng.uniform(0.15, 0.4)
    x0, y0 = rng.uniform(0, s - w), rng.uniform(0, s - h)
    step = rng.randint(6, 14)
    if rng.random() < 0.5:
        for k in range(int(w // step) + 1):
            d.line((x0 + k * step, y0, x0 + k * step, y0 + h), fill=fill, width=max(1, step // 3))
    else:
        for k in range(int(h // step) + 1):
            d.line((x0, y0 + k * step, x0 + w, y0 + k * step), fill=fill, width=max(1, step // 3))


def _emblem(d: ImageDraw.ImageDraw, outlet: str, s: int) -> tuple[float, float, float]:
    """A logo-like badge fixed by the outlet name's hash; returns its centre and radius."""
    hb = hashlib.sha256(outlet.encode("utf-8")).digest()
    r = s * (0.06 + hb[0] / 255 * 0.04)
    margin = s * 0.03 + r
    corner = hb[1] % 4
    cx = margin if corner in (0, 2) else s - margin
    cy = margin if corner in (0, 1) else s - margin
    outer = hsv(hb[2] / 255, 0.2 + hb[3] / 255 * 0.4, 0.15 + hb[4] / 255 * 0.3)
    inner = hsv(hb[5] / 255, 0.1 + hb[6] / 255 * 0.5, 0.7 + hb[7] / 255 * 0.28)
    rot = hb[8] / 255 * 360
    sides = (0, 4, 6, 8)[hb[9] % 4]
    if sides:
        d.regular_polygon((cx, cy, r), sides, rot, fill=outer)
    else:
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=outer)
    ring = r * 0.78
    d.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=inner, width=max(2, int(r / 9)))
    d.regular_polygon((cx, cy, r * 0.5), 3 + hb[10] % 5, rot + hb[11], fill=inner)
    return cx, cy, r


def draw_release(rng: random.Random, index: int, outlet: str, size: int = 480) -> Image.Image:
    """An abstract poster standing in for one release of ``outlet``: shapes, bands, badge, name."""
    _check_size(size)
    r = random.Random(f"release:{rng.getrandbits(64)}:{index}:{outlet}")
    s = size
    c1 = random_colour(r, 0.05, 0.6)
    img = gradient(r, s, s, c1, contrasting(r, c1, 0.2))
    d = ImageDraw.Draw(img)
    for _ in range(r.randint(1, 3)):
        _band(d, r, s, contrasting(r, c1, 0.3))
    for _ in range(r.randint(4, 8)):
        _shape(d, r, s, contrasting(r, c1, 0.25))
    for _ in range(r.randint(1, 2)):
        _hatch(d, r, s, contrasting(r, c1, 0.3))
    # a title block with placeholder bars where a real poster would have words
    bh = s * r.uniform(0.12, 0.22)
    by = r.uniform(0.05, 0.95) * (s - bh)
    block = contrasting(r, c1, 0.2)
    d.rectangle((0, by, s, by + bh), fill=block)
    bar = contrasting(r, block, 0.4)
    x = s * r.uniform(0.05, 0.15)
    for k in range(r.randint(2, 3)):
        y = by + bh * (0.2 + 0.25 * k)
        d.rectangle((x, y, x + s * r.uniform(0.3, 0.75), y + bh * 0.12), fill=bar)
    cx, cy, er = _emblem(d, outlet, s)
    font = default_font(max(10, s // 24))
    tx = cx + er * 1.2 if cx < s / 2 else cx - er * 1.2 - d.textlength(outlet, font=font)
    d.text((tx, cy - s / 48), outlet, font=font, fill=contrasting(r, c1, 0.45, 0.2))
    d.text((s * 0.04, s * 0.95), f"{index:04d}", font=default_font(max(10, s // 36)), fill=bar)
    return add_grain(img, r)


def _landscape(d: ImageDraw.ImageDraw, rng: random.Random, s: int) -> None:
    if rng.random() < 0.6:
        r = s * rng.uniform(0.04, 0.12)
        cx, cy = rng.uniform(0.1, 0.9) * s, rng.uniform(0.05, 0.4) * s
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=hsv(rng.uniform(0.08, 0.17), 0.3, 0.98))
    base = rng.uniform(0.35, 0.6)
    for layer in range(rng.randint(1, 3)):
        n = rng.randint(4, 9)
        pts = [(s * k / (n - 1), s * (base + rng.uniform(-0.12, 0.08))) for k in range(n)]
        colour = hsv(rng.uniform(0.2, 0.45), rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.65))
        d.polygon([*pts, (s, s), (0, s)], fill=colour)
        base += rng.uniform(0.08, 0.18)
        if layer == 0 and rng.random() < 0.4:  # a lake in front of the far hills
            y = s * min(base, 0.9)
            d.rectangle((0, y, s, s), fill=hsv(rng.uniform(0.5, 0.62), 0.4, rng.uniform(0.5, 0.8)))
    for _ in range(rng.randint(0, 6)):
        tx, ty, th = rng.uniform(0, s), s * rng.uniform(0.6, 0.95), s * rng.uniform(0.06, 0.16)
        d.rectangle((tx - th * 0.06, ty, tx + th * 0.06, ty + th * 0.3), fill=(70, 50, 30))
        green = hsv(rng.uniform(0.25, 0.4), 0.6, rng.uniform(0.15, 0.45))
        d.polygon([(tx, ty - th), (tx - th * 0.35, ty), (tx + th * 0.35, ty)], fill=green)


def _plate(d: ImageDraw.ImageDraw, rng: random.Random, s: int) -> None:
    wood = hsv(rng.uniform(0.05, 0.11), rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.7))
    d.rectangle((0, 0, s, s), fill=wood)
    grain = hsv(rng.uniform(0.05, 0.11), 0.5, value(wood) * 0.75)
    for _ in range(rng.randint(4, 10)):
        y = rng.uniform(0, s)
        d.line((0, y, s, y + rng.uniform(-0.1, 0.1) * s), fill=grain, width=rng.randint(1, 4))
    r = s * rng.uniform(0.25, 0.4)
    cx, cy = s * rng.uniform(0.3, 0.7), s * rng.uniform(0.3, 0.7)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(236, 236, 230))
    d.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), outline=(200, 200, 196))
    for _ in range(rng.randint(3, 8)):
        fr = r * rng.uniform(0.12, 0.35)
        fx, fy = cx + rng.uniform(-0.5, 0.5) * r, cy + rng.uniform(-0.5, 0.5) * r
        food = hsv(rng.choice((0.0, 0.08, 0.12, 0.3)), rng.uniform(0.4, 0.9), rng.uniform(0.3, 0.9))
        d.ellipse((fx - fr, fy - fr * rng.uniform(0.6, 1.0), fx + fr, fy + fr), fill=food)
    if rng.random() < 0.6:
        ux, uy, ur = rng.choice((0.12, 0.88)) * s, rng.choice((0.12, 0.88)) * s, s * 0.1
        d.ellipse((ux - ur, uy - ur, ux + ur, uy + ur), fill=random_colour(rng, 0.3, 0.95))
        d.ellipse((ux - ur * 0.7, uy - ur * 0.7, ux + ur * 0.7, uy + ur * 0.7), fill=(60, 35, 20))


def _bokeh(d: ImageDraw.ImageDraw, rng: random.Random, s: int) -> None:
    for _ in range(rng.randint(8, 22)):
        r = s * rng.uniform(0.03, 0.14)
        cx, cy = rng.uniform(0, s), rng.uniform(0, s)
        colour = random_colour(rng, 0.4, 1.0, 0.2, 0.9)
        if rng.random() < 0.7:
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        else:
            d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=colour, width=3)


def _city(d: ImageDraw.ImageDraw, rng: random.Random, s: int) -> None:
    x = -rng.uniform(0, 0.1) * s
    while x < s:
        bw, top = s * rng.uniform(0.08, 0.22), s * rng.uniform(0.2, 0.75)
        body = random_colour(rng, 0.1, 0.45, 0.0, 0.3)
        lit = hsv(rng.uniform(0.1, 0.16), 0.4, rng.uniform(0.6, 0.95))
        d.rectangle((x, top, x + bw, s), fill=lit)
        # window grid = lit block crossed by body-coloured lines: few draw calls
        step = rng.randint(8, 16)
        for k in range(int((s - top) // step) + 1):
            d.line((x, top + k * step, x + bw, top + k * step), fill=body, width=step // 2)
        for k in range(int(bw // step) + 1):
            d.line((x + k * step, top, x + k * step, s), fill=body, width=step // 2)
        x += bw + s * rng.uniform(0.0, 0.05)


def _room(d: ImageDraw.ImageDraw, rng: random.Random, s: int) -> None:
    wall = random_colour(rng, 0.5, 0.95, 0.0, 0.35)
    floor_y = s * rng.uniform(0.55, 0.75)
    d.rectangle((0, floor_y, s, s), fill=random_colour(rng, 0.15, 0.5, 0.2, 0.6))
    d.rectangle((0, 0, s, floor_y), fill=wall)
    wx, wy, ww, wh = s * rng.uniform(0.05, 0.55), s * 0.08, s * rng.uniform(0.2, 0.4), s * 0.35
    d.rectangle((wx, wy, wx + ww, wy + wh), fill=hsv(0.58, 0.4, 0.9), outline=(90, 80, 70), width=6)
    d.line((wx + ww / 2, wy, wx + ww / 2, wy + wh), fill=(90, 80, 70), width=5)
    tx, tw = s * rng.uniform(0.1, 0.5), s * rng.uniform(0.3, 0.45)
    d.rectangle((tx, floor_y - s * 0.12, tx + tw, floor_y - s * 0.09), fill=(110, 75, 45))
    for leg in (tx + 6, tx + tw - 12):
        d.rectangle((leg, floor_y - s * 0.09, leg + 6, floor_y + s * 0.08), fill=(110, 75, 45))
    if rng.random() < 0.7:
        px, py = s * rng.uniform(0.6, 0.85), s * rng.uniform(0.1, 0.3)
        d.rectangle(
            (px, py, px + s * 0.12, py + s * 0.16), fill=random_colour(rng), outline=(30, 30, 30)
        )


_Scene = Callable[[ImageDraw.ImageDraw, random.Random, int], None]
_SCENES: tuple[_Scene, ...] = (_landscape, _plate, _bokeh, _city, _room)


def _sky(rng: random.Random, s: int) -> Image.Image:
    top = hsv(rng.choice((0.58, 0.6, 0.07, 0.0)), rng.uniform(0.1, 0.6), rng.uniform(0.4, 0.95))
    horizon = hsv(rng.uniform(0.05, 0.6), rng.uniform(0.05, 0.3), rng.uniform(0.7, 1.0))
    return vertical_gradient(s, s, top, horizon)


def draw_ordinary(rng: random.Random, size: int = 400) -> Image.Image:
    """An everyday photo-like picture: landscape, a plate of food, lights, a street, a room."""
    _check_size(size)
    scene = rng.choice(_SCENES)
    if scene in (_landscape, _city):
        img = _sky(rng, size)
    else:
        c1 = random_colour(rng, 0.05, 0.7)
        img = gradient(rng, size, size, c1, contrasting(rng, c1, 0.15))
    scene(ImageDraw.Draw(img), rng, size)
    return add_grain(img, rng)


def _identicon(d: ImageDraw.ImageDraw, rng: random.Random, s: int, bg: Colour) -> None:
    # off-centre on purpose: a mirror-symmetric image zeroes half the DCT terms PDQ
    # thresholds at their median, which makes its hash flip under the slightest edit
    n = rng.choice((5, 5, 6, 7))
    cell = s * rng.uniform(0.55, 0.8) / n
    x0, y0 = rng.uniform(0.0, s - n * cell), rng.uniform(0.0, s - n * cell)
    ink = contrasting(rng, bg, 0.4, 0.9)
    for row in range(n):
        for col in range((n + 1) // 2):
            if rng.random() < 0.5:
                for c in {col, n - 1 - col}:
                    x, y = x0 + c * cell, y0 + row * cell
                    d.rectangle((x, y, x + cell, y + cell), fill=ink)


def _person(d: ImageDraw.ImageDraw, rng: random.Random, s: int, bg: Colour) -> None:
    for _ in range(rng.randint(1, 3)):  # backdrop clutter so silhouettes do not all hash alike
        _band(d, rng, s, contrasting(rng, bg, 0.2))
    ink = contrasting(rng, bg, 0.4, 0.5)
    r = s * rng.uniform(0.14, 0.22)
    cx, cy = s * rng.uniform(0.35, 0.65), s * rng.uniform(0.3, 0.45)
    d.ellipse((cx - r * 2.2, cy + r * 1.3, cx + r * 2.2, cy + r * 5), fill=ink)
    d.ellipse((cx - r, cy - r * 1.1, cx + r, cy + r * 1.1), fill=ink)


def _rings(d: ImageDraw.ImageDraw, rng: random.Random, s: int, bg: Colour) -> None:
    cx, cy = s * rng.uniform(0.2, 0.8), s * rng.uniform(0.2, 0.8)
    r = s * rng.uniform(0.5, 0.9)
    colour = bg
    while r > s * 0.05:
        colour = contrasting(rng, colour, 0.3)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        r *= rng.uniform(0.55, 0.85)
    for _ in range(rng.randint(0, 4)):
        _shape(d, rng, s, contrasting(rng, bg, 0.3))


def _avatar_scene(d: ImageDraw.ImageDraw, rng: random.Random, s: int, bg: Colour) -> None:
    rng.choice(_SCENES)(d, rng, s)


_Style = Callable[[ImageDraw.ImageDraw, random.Random, int, Colour], None]
_AVATARS: tuple[_Style, ...] = (_identicon, _person, _person, _rings, _avatar_scene)


def draw_avatar(rng: random.Random, size: int = 200) -> Image.Image:
    """A profile picture: a silhouette, an identicon, concentric rings or a tiny scene."""
    _check_size(size)
    style = rng.choice(_AVATARS)
    c1 = random_colour(rng, 0.2, 0.95)
    img = gradient(rng, size, size, c1, contrasting(rng, c1, 0.15))
    style(ImageDraw.Draw(img), rng, size, c1)
    return add_grain(img, rng)
