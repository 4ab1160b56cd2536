"""Which images exist: the bank of known releases, avatars, and what each post attaches.

Only records are made here; pixels are drawn when the world is written, from the seed and
the record itself (`vigil.sim.media_files`). Re-uploads of the same copy share their bytes:
a posted variant is one of `copies_per_variant` copies of its (item, kind), chosen by a
stable hash of its media key, as people pass the same file around.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from vigil.sim import lexicon as lx
from vigil.sim.media import VARIANT_KINDS_EASY, VARIANT_KINDS_HARD
from vigil.sim.populations import Population
from vigil.sim.rng import np_stream, py_stream
from vigil.sim.snowflake import snowflakes
from vigil.sim.world import BankItem, Role, SimAccount, SimMedia

if TYPE_CHECKING:
    from vigil.sim.params import WorldParams

__all__ = ["ORIGINAL", "MediaPlanner", "assign_avatars", "bank_items"]

ORIGINAL = "original"  # a re-upload of the release as it was published
_MEDIA_SERIAL_BASE = 1 << 21  # media keys use the upper half of the low bits: never a post id

# Which alterations each role makes when it posts a release.
_KINDS: dict[Role, tuple[tuple[str, ...], tuple[float, ...]]] = {
    Role.JOURNALIST: (("screenshot", "crop", "overlay", "blur"), (0.45, 0.3, 0.15, 0.1)),
    Role.NEWS_OUTLET: (("crop", "screenshot", "blur"), (0.5, 0.35, 0.15)),
    Role.RESEARCHER: (("screenshot", "crop", "resize"), (0.5, 0.3, 0.2)),
    Role.COUNTER_SPEECH: (("overlay", "screenshot", "crop"), (0.6, 0.25, 0.15)),
    Role.PARODY: (("overlay", "crop"), (0.7, 0.3)),
}


def bank_items(params: WorldParams) -> list[BankItem]:
    """The known release images an analyst's hash bank starts with, spread over the outlets."""
    items = []
    for k in range(params.bank_items):
        outlet = lx.OUTLETS[k % len(lx.OUTLETS)]
        item = f"bank-{k:03d}"
        items.append(
            BankItem(
                item,
                f"{outlet.en} release {k // len(lx.OUTLETS) + 1}",
                f"bank/{item}.png",
                outlet.en,
            )
        )
    return items


def _pool_size(params: WorldParams, per_1000: float, floor: int) -> int:
    return max(floor, round(params.accounts * per_1000 / 1000))


def assign_avatars(pop: Population, params: WorldParams) -> int:
    """Give each account an avatar slot (or -1, the default picture); returns the pool size.

    Pictures are pooled: popular ones are shared by many accounts, and supporters draw from
    their own part of the pool, as they share the same few images in life.
    """
    rng = np_stream(params.seed, "avatars")
    size = _pool_size(params, params.avatar_pool_per_1000, 20)
    sup_slots = max(5, size // 7)
    n = len(pop)
    rank_w = 1.0 / np.arange(1, size + 1) ** 0.6
    sup = pop.is_role(Role.SUPPORTER)
    slot = np.empty(n, dtype=np.int64)
    for mask, lo, hi in ((sup, 0, sup_slots), (~sup, sup_slots, size)):
        w = rank_w[: hi - lo] / rank_w[: hi - lo].sum()
        slot[mask] = lo + rng.choice(hi - lo, size=int(mask.sum()), p=w)
    none = rng.random(n) < params.default_avatar_share
    pop.avatar = np.where(none, -1, slot)
    return size


class MediaPlanner:
    """Makes the SimMedia records: avatars for accounts, attachments for posts."""

    def __init__(self, params: WorldParams) -> None:
        self.params = params
        self.rng = py_stream(params.seed, "media")
        self.bank = bank_items(params)
        weights = np.array([1.0 / (k + 1) ** 0.7 for k in range(len(self.bank))])
        self.bank_cum = list(np.cumsum(weights / weights.sum()))
        self.media: list[SimMedia] = []
        self._serial = 0

    def _key(self, t_ms: int) -> str:
        key = snowflakes(
            np.array([t_ms], dtype=np.int64),
            np.array([_MEDIA_SERIAL_BASE + self._serial], dtype=np.int64),
        )[0]
        self._serial += 1
        return f"3_{key}"

    def _avatar(self, owner: str, t_ms: int, variant: str | None) -> str:
        """A new avatar image (`variant` "altered" for a returning account's changed one)."""
        key = self._key(t_ms)
        size = self.params.avatar_size
        self.media.append(
            SimMedia(key, owner, f"media/{key}.jpg", size, size, "avatar", None, variant)
        )
        return key

    def avatars(self, pop: Population, accounts: list[SimAccount]) -> None:
        """One record per pool slot in use (owned by its first account), plus altered copies."""
        slot_key: dict[int, str] = {}
        for row, acc in enumerate(accounts):
            slot = int(pop.avatar[row])
            if slot < 0:
                continue
            prev = int(pop.returned_from[row])
            if prev >= 0 and pop.avatar_altered[row]:
                acc.avatar_media = self._avatar(acc.id, int(pop.created_ms[row]), "altered")
                continue
            if prev >= 0:
                acc.avatar_media = accounts[prev].avatar_media
                continue
            if slot not in slot_key:
                key = self._avatar(acc.id, int(pop.created_ms[row]), None)
                slot_key[slot] = key
            acc.avatar_media = slot_key[slot]

    def _release(self, role: Role, evader: bool) -> tuple[str, str]:
        r = self.rng.random()
        item = self.bank[min(len(self.bank) - 1, bisect_right(self.bank_cum, r))].id
        if role == Role.SUPPORTER:
            u = self.rng.random()
            hard = 0.35 if evader else 0.1
            if u < 0.35:
                return item, ORIGINAL
            if u < 0.35 + hard:
                return item, self.rng.choice(VARIANT_KINDS_HARD)
            return item, self.rng.choice(VARIANT_KINDS_EASY)
        kinds, weights = _KINDS.get(
            role, (VARIANT_KINDS_EASY, tuple(1.0 for _ in VARIANT_KINDS_EASY))
        )
        return item, self.rng.choices(kinds, weights)[0]

    def attach(self, owner: SimAccount, role: Role, t_ms: int, evader: bool) -> SimMedia | None:
        """Maybe an image for an original post by ``owner`` at ``t_ms``."""
        rng = self.rng
        if rng.random() >= self.params.media_share.get(role.value, 0.0) or not self.bank:
            return None
        key = self._key(t_ms)
        if rng.random() < self.params.release_share.get(role.value, 0.0):
            item, variant = self._release(role, evader)
            size = self.params.release_size
            m = SimMedia(key, owner.id, f"media/{key}.jpg", size, size, "photo", item, variant)
        else:
            size = self.params.photo_size
            m = SimMedia(key, owner.id, f"media/{key}.jpg", size, size, "photo")
        self.media.append(m)
        return m
