"""Names, handles, bios, locations and links of the world's accounts.

Supporters and ordinary users of a language share one naming custom (kunyas, nisbas,
numbers in handles), so a name alone proves nothing; returning accounts get a variant of
their predecessor's handle and a similar bio.
"""

from __future__ import annotations

import random
import re

from vigil.sim import lexicon as lx
from vigil.sim.text import outlet_name
from vigil.sim.world import Role

__all__ = [
    "Profile",
    "bio_for",
    "display_for",
    "handle_variant",
    "person_name",
    "similar_bio",
    "unique_handle",
    "url_for",
]

Profile = tuple[str, str, str, str, str | None]  # handle, display name, bio, location, url
_HANDLE_OK = re.compile(r"[^A-Za-z0-9_]")
_KUNYA_SHARE = 0.3  # the same for every role: the custom is common, not a marker
_EN_MUSLIM = ["Yusuf", "Ibrahim", "Omar", "Bilal", "Zain", "Hamza", "Khalid"]


def _stem(text: str) -> str:
    return _HANDLE_OK.sub("", text.replace("-", "").replace(" ", "_").replace(".", "_"))


def person_name(rng: random.Random, lang: str) -> tuple[str, str]:
    """(display name, handle stem) by the naming customs of ``lang``."""
    if lang == "ar":
        female = rng.random() < 0.25
        given_l, given_a = rng.choice(lx.AR_FEMALE if female else lx.AR_MALE)
        fam_l, fam_a = rng.choice(lx.AR_FAMILY)
        if rng.random() < _KUNYA_SHARE:
            child_l, child_a = rng.choice(lx.AR_MALE)
            pre_l, pre_a = ("Umm", "أم") if female else ("Abu", "أبو")
            latin, arabic = f"{pre_l} {child_l} {fam_l}", f"{pre_a} {child_a} {fam_a}"
            stem = rng.choice([f"{pre_l}{child_l}", f"{pre_l}_{child_l}", f"{child_l}_{fam_l}"])
        else:
            latin, arabic = f"{given_l} {fam_l}", f"{given_a} {fam_a}"
            stem = rng.choice([f"{given_l}_{fam_l}", f"{given_l[0]}{fam_l}", given_l])
        return (arabic if rng.random() < 0.55 else latin), _stem(stem).lower()
    if lang == "fr":
        female = rng.random() < 0.45
        given = rng.choice(lx.FR_FEMALE if female else lx.FR_MALE)
        fam = rng.choice(lx.FR_FAMILY)
        if rng.random() < _KUNYA_SHARE * 0.4:
            child = rng.choice(lx.FR_MALE[9:])
            return f"Abou {child}", _stem(f"abou_{child}").lower()
        return f"{given} {fam}", _stem(
            rng.choice([f"{given}{fam}", f"{given}_{fam[:4]}", fam])
        ).lower()
    female = rng.random() < 0.45
    given = rng.choice(lx.EN_FEMALE if female else lx.EN_MALE)
    fam = rng.choice(lx.EN_FAMILY)
    if rng.random() < _KUNYA_SHARE * 0.3:
        pre, child = ("Umm" if female else "Abu"), rng.choice(_EN_MUSLIM)
        return f"{pre} {child}", _stem(f"{pre}_{child}").lower()
    return f"{given} {fam}", _stem(
        rng.choice([f"{given}{fam}", f"{given}_{fam}", f"{given[0]}{fam}"])
    )


def unique_handle(rng: random.Random, stem: str, taken: set[str], digit_share: float = 0.55) -> str:
    """A free handle (case-insensitive, X's 4-15 characters) from ``stem``; ``digit_share``
    of handles get digits even when the stem is free, as people's handles do."""
    stem = _stem(stem)[: 15 if digit_share < 0.5 else 11] or "user"
    candidate = stem
    if rng.random() < digit_share or len(candidate) < 4:
        candidate = f"{stem}{rng.choice(['', '_'])}{rng.randint(1, 9999)}"
    while candidate.lower() in taken or len(candidate) < 4:
        candidate = f"{stem[:9]}{rng.choice(['', '_'])}{rng.randint(10, 99999)}"
    taken.add(candidate.lower())
    return candidate[:15]


_SWAPS = {"a": "4", "o": "0", "i": "1", "e": "3", "s": "5", "l": "1"}


def handle_variant(rng: random.Random, handle: str, taken: set[str]) -> str:
    """A returning account's handle: the old one with digits appended or changed, or letters
    swapped, as people do when their account is taken down."""
    base = handle.rstrip("0123456789_") or handle
    for _ in range(50):
        move = rng.random()
        if move < 0.45:
            cand = f"{base}{rng.randint(1, 99)}"
        elif move < 0.65:
            cand = f"{base}_{rng.randint(2, 9)}"
        elif move < 0.85:
            chars = list(handle)
            spots = [i for i, c in enumerate(chars) if c.lower() in _SWAPS]
            if spots:
                i = rng.choice(spots)
                chars[i] = _SWAPS[chars[i].lower()]
            cand = "".join(chars)
        else:
            cand = f"{handle}{rng.choice(['x', 'z', '_', 'k'])}"
        cand = cand[:15]
        if cand.lower() not in taken and len(cand) >= 4:
            taken.add(cand.lower())
            return cand
    return unique_handle(rng, base, taken)


_BIOS: dict[Role, dict[str, list[str]]] = {
    Role.ORDINARY: {
        "ar": [
            "مهندس | {place}",
            "طالب جامعي",
            "أحب كرة القدم والقهوة",
            "عبد فقير إلى الله",
            "أب لثلاثة أطفال",
            "معلمة لغة عربية",
            "الحمد لله على كل حال",
            "",
            "",
        ],
        "en": [
            "Coffee, football, family.",
            "Nurse. Dog person.",
            "Student at {place} uni",
            "Views my own. Mostly cricket.",
            "Dad, cyclist, bad cook",
            "",
            "",
        ],
        "fr": [
            "Étudiant à {place}",
            "Fan de foot et de cuisine",
            "Papa, cycliste",
            "Prof de maths",
            "Alhamdoulillah",
            "",
            "",
        ],
    },
    Role.SUPPORTER: {
        "ar": [
            "عبد فقير إلى الله",
            "الحساب البديل",
            "حساب احتياطي رقم {n}",
            "أخبار {self}",
            "متابعة إصدارات {outlet}",
            "",
            "{place}",
        ],
        "en": [
            "Back again. Acc #{n}",
            "News of {self}",
            "Following {outlet} releases",
            "Servant of Allah",
            "backup acc",
            "",
        ],
        "fr": [
            "Compte de secours n°{n}",
            "Nouvelles de {self}",
            "Suivi des parutions {outlet}",
            "De retour",
            "",
        ],
    },
    Role.JOURNALIST: {
        "ar": ["صحفي في {news} | أغطي شؤون العراق وسوريا", "مراسلة {news} في {place}"],
        "en": [
            "Reporter @ {news}. Covering Iraq & Syria. DMs open.",
            "Security correspondent, {news}. RTs not endorsements.",
            "Freelance journalist. Jihadism, conflict, the Levant.",
        ],
        "fr": [
            "Journaliste à {news}. Moyen-Orient, terrorisme.",
            "Reporter indépendante, Irak/Syrie. RT ≠ approbation.",
        ],
    },
    Role.NEWS_OUTLET: {
        "ar": ["الحساب الرسمي لـ{news}. أخبار عاجلة من الشرق الأوسط"],
        "en": ["Official account of {news}. Breaking news from the Middle East and beyond."],
        "fr": ["Compte officiel de {news}. L'actualité internationale en continu."],
    },
    Role.RESEARCHER: {
        "ar": ["باحث في الجماعات المتطرفة وخطابها على الإنترنت"],
        "en": [
            "PhD candidate studying jihadist media ecosystems online. Views my own.",
            "Researcher, online extremism & platform policy. {uni}",
            "Lecturer in terrorism studies, {uni}. Tracking {opp} propaganda distribution.",
        ],
        "fr": [
            "Chercheuse, propagande djihadiste en ligne. {uni}",
            "Doctorant, sociologie de la radicalisation en ligne.",
        ],
    },
    Role.PARODY: {
        "ar": ["حساب ساخر. لا علاقة له بأي جهة", "سخرية من {opp}"],
        "en": [
            "Parody account. Not affiliated with anyone. Mocking {opp} since 2015.",
            "Satire. If you take this seriously, that's on you.",
        ],
        "fr": ["Compte parodique. Second degré obligatoire.", "Parodie. On se moque de {opp}."],
    },
    Role.COUNTER_SPEECH: {
        "ar": ["نفضح أكاذيب {opp} #ليس_باسمي", "ضد التطرف بكل أشكاله"],
        "en": [
            "Exposing {opp} lies one post at a time. #NotInMyName",
            "Countering extremist narratives online. Volunteer.",
        ],
        "fr": [
            "Contre la propagande de {opp}. #PasEnMonNom",
            "Bénévole, contre-discours en ligne.",
        ],
    },
    Role.BOT: {
        "ar": ["متابعة متبادلة 100%", "أفضل العروض يوميا", ""],
        "en": ["Follow back 100% | DM for promo", "Crypto giveaways daily 🚀", "", "Best deals"],
        "fr": ["Suivi mutuel garanti", "Bons plans tous les jours", ""],
    },
}
_NEWS_NAMES = {
    "ar": ["أخبار الرافدين", "شبكة الشام الإخبارية", "صحيفة المساء العربي", "قناة الخليج اليوم"],
    "en": [
        "Levant Wire",
        "Gulf Evening Post",
        "Middle East Daily",
        "Conflict Desk",
        "World Report",
    ],
    "fr": ["Le Courrier du Levant", "Orient Hebdo", "Le Journal du Soir", "Info Monde"],
}
_UNIS = [
    "King's College London",
    "Georgetown",
    "Sciences Po",
    "Swansea University",
    "Leiden University",
    "DCU",
    "George Washington University",
    "Université de Lyon",
]


def _fill(rng: random.Random, template: str, lang: str) -> str:
    if "{" not in template:
        return template
    return template.format(
        place=rng.choice([p for p in lx.LOCATIONS[lang] if p] or ["home"]),
        n=rng.randint(2, 9),
        self=rng.choice(lx.SELF_NAMES[lang]),
        opp=rng.choice(lx.OPPONENT_NAMES[lang]),
        outlet=outlet_name(rng, lang),
        news=rng.choice(_NEWS_NAMES[lang]),
        uni=rng.choice(_UNIS),
    )


def bio_for(rng: random.Random, role: Role, lang: str) -> str:
    return _fill(rng, rng.choice(_BIOS[role][lang]), lang)


def similar_bio(rng: random.Random, bio: str, lang: str) -> str:
    """A returning account's bio: the old one, lightly reworded or tagged as a new account."""
    tags = {
        "ar": ["الحساب الجديد", "عدنا", "رقم {n}"],
        "en": ["new acc", "back", "#{n}"],
        "fr": ["nouveau compte", "de retour", "n°{n}"],
    }
    tag = rng.choice(tags[lang]).format(n=rng.randint(2, 9))
    move = rng.random()
    if move < 0.4 or not bio:
        return f"{bio} | {tag}".strip(" |")
    if move < 0.7:
        return bio
    return f"{tag} - {bio}"


def display_for(rng: random.Random, role: Role, lang: str) -> tuple[str, str]:
    """(display name, handle stem) for an account of ``role``."""
    if role == Role.NEWS_OUTLET:
        name = rng.choice(_NEWS_NAMES[lang])
        stem = rng.choice(["", "news", "live"])
        return name, _stem(rng.choice(_NEWS_NAMES["en"]).replace(" ", "") + stem)
    if role == Role.PARODY:
        base = {"ar": "ساخر", "en": "Parody", "fr": "Parodie"}[lang]
        subject = rng.choice(["Amaq", "Dawla", "Daesh", "Caliph"])
        joke = rng.choice(["Weather Agency", "Customer Service", "HR Department", "Press Office"])
        return f"{subject} {joke} ({base})", _stem(f"{subject}{joke.split()[0]}")
    if role == Role.BOT:
        if rng.random() < 0.5:
            stem = f"user{rng.randint(10_000_000, 99_999_999)}"
            return stem, stem
        name = rng.choice(["Crypto Deals", "Follow Train", "Promo Daily", "Gift Cards"])
        return f"{name} {rng.randint(1, 99)}", _stem(name)
    name, stem = person_name(rng, lang)
    if role == Role.COUNTER_SPEECH and rng.random() < 0.3:
        tag = {"ar": "ليس باسمي", "en": "NotInMyName", "fr": "PasEnMonNom"}[lang]
        return f"{name} | {tag}", stem
    return name, stem


def url_for(rng: random.Random, role: Role, handle: str) -> str | None:
    if role in (Role.JOURNALIST, Role.NEWS_OUTLET):
        site = rng.choice(["levantwire", "gulfpost", "infomonde", "worldreport"])
        return f"https://www.{site}.example/{handle.lower()}"
    if role == Role.RESEARCHER:
        return f"https://research.example.edu/people/{handle.lower()}"
    if role == Role.BOT and rng.random() < 0.5:
        return f"https://free-followers.example.net/{handle.lower()}"
    return None
