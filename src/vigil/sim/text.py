"""Post text per role and language: dull, descriptive, the way a researcher's notes read.

Supporters reference the organisation's outlets by name, call it by its own name, tag and
link to file hosts (evaders disguise the markers); journalists and outlets quote the same
outlets with news framing and news links; researchers add academic links; parody and
counter-speech reuse the same markers their own way; ordinary users talk about their day.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from vigil.sim import lexicon as lx
from vigil.sim.obfuscation import obfuscate
from vigil.sim.world import Role

__all__ = ["Draft", "compose", "hashtags_of", "outlet_name", "quote_text", "reply_text"]

_TAG = re.compile(r"(?<![\w&])#(\w+)")
_NEWS_SELF = {
    "ar": ["تنظيم الدولة الإسلامية", "تنظيم الدولة"],
    "en": ["the Islamic State group", "the so-called Islamic State", "IS"],
    "fr": ["l'organisation État islamique", "le groupe État islamique"],
}


@dataclass(slots=True)
class Draft:
    text: str
    urls: list[str] = field(default_factory=list)
    obfuscated: bool = False
    propaganda_ref: bool = False


def hashtags_of(text: str) -> list[str]:
    return _TAG.findall(text)


def outlet_name(rng: random.Random, lang: str) -> str:
    return rng.choice(lx.OUTLETS).name(lang)


def _slug(rng: random.Random) -> str:
    return format(rng.getrandbits(36), "x")


def _link(rng: random.Random, templates: list[str], day: int) -> str:
    return rng.choice(templates).format(
        slug=_slug(rng), day=max(1, min(day, 28)), num=rng.randint(10_000_000, 99_999_999)
    )


def _tags(rng: random.Random, group: str, lang: str, k: int) -> list[str]:
    pool = lx.MARKERS[group][lang]
    return rng.sample(pool, k=min(k, len(pool)))


_T = dict[str, list[str]]
_RELEASE: _T = {
    "en": [
        "New from {outlet}: issue {n} {link}",
        "{outlet} bulletin for {prov}, full text: {link}",
        "Mirror of the latest {outlet} release {link}",
        "Reupload, previous link is down: {link}",
        "{self} news digest, day {n} {link}",
        "{outlet} audio, {prov} edition {link}",
    ],
    "ar": [
        "جديد {outlet}: العدد {n} {link}",
        "نشرة {outlet} عن {prov} {link}",
        "رابط بديل للإصدار {link}",
        "أخبار {self} اليوم {link}",
        "إصدار {outlet} الجديد {link}",
    ],
    "fr": [
        "Nouveau de {outlet} : numéro {n} {link}",
        "Bulletin {outlet} sur la {prov} {link}",
        "Lien de secours, l'ancien a été supprimé {link}",
        "Actualités de {self}, jour {n} {link}",
    ],
}
_SUPPORTER_CHAT: _T = {
    "en": [
        "Jumuah Mubarak",
        "Good morning brothers",
        "Old account got suspended, follow this one",
        "Anyone have the new link?",
        "Pray for the sick among us",
    ],
    "ar": [
        "جمعة مباركة",
        "صباح الخير يا إخوة",
        "الحساب القديم انحذف تابعوا هذا",
        "من عنده الرابط الجديد؟",
        "اللهم ارحم والدي",
    ],
    "fr": [
        "Jumu'a moubarak",
        "Bonjour à tous",
        "Ancien compte suspendu, suivez celui-ci",
        "Quelqu'un a le nouveau lien ?",
    ],
}
_JOURNALIST: _T = {
    "en": [
        "{outlet}, the {opp} news agency, published a statement on {prov}. Not independently "
        "verified. {link}",
        "How {opp} uses {outlet} and file-sharing sites to spread releases {link}",
        "A new issue of {outlet} is circulating; we are not linking to it. Our report: {link}",
        "Court hears case of man accused of sharing {opp} material online {link}",
        "Statement attributed to {news_self} via {outlet}, no evidence provided {link}",
    ],
    "ar": [
        "وكالة {outlet} التابعة لـ{opp} تنشر بيانا عن {prov} ولم يتسن التحقق منه {link}",
        "كيف يستخدم {news_self} مواقع مشاركة الملفات لنشر إصداراته {link}",
        "محكمة تنظر في قضية نشر مواد {opp} على الإنترنت {link}",
    ],
    "fr": [
        "L'agence {outlet}, organe de propagande de {opp}, a publié un communiqué sur la {prov}. "
        "Non vérifié. {link}",
        "Comment {news_self} diffuse ses contenus via des hébergeurs {link}",
        "Procès d'un homme accusé d'avoir partagé des contenus de {opp} {link}",
    ],
}
_OUTLET_NEWS: _T = {
    "en": [
        "BREAKING: {news_self} statement on {prov} carried by {outlet} {link}",
        "Analysis: what the latest {outlet} issue says about {opp} {link}",
        "Platforms remove thousands of {opp} accounts in new wave {link}",
    ],
    "ar": [
        "عاجل: بيان لـ{news_self} عن {prov} عبر {outlet} {link}",
        "تحليل: ماذا تقول نشرة {outlet} الأخيرة عن {opp} {link}",
    ],
    "fr": [
        "DERNIÈRE MINUTE : communiqué de {news_self} sur la {prov} relayé par {outlet} {link}",
        "Analyse : ce que dit le dernier numéro de {outlet} {link}",
    ],
}
_RESEARCHER: _T = {
    "en": [
        "New paper: measuring the takedown of {opp} accounts {link}",
        "{outlet} output this week: {n} items, fewer than last month. Data: {link}",
        "Interesting shift in {opp} hashtag use this week {link}",
        "Slides from my talk on {outlet} distribution networks {link}",
    ],
    "ar": [
        "دراسة جديدة عن انتشار إصدارات {outlet} {link}",
        "ملاحظات حول خطاب {opp} على الإنترنت {link}",
    ],
    "fr": [
        "Nouvel article : la diffusion des contenus {outlet} en ligne {link}",
        "Notes sur l'usage des hashtags par {opp} {link}",
    ],
}
_PARODY: _T = {
    "en": [
        "BREAKING from {outlet}: office cat claims responsibility for broken vase",
        "{outlet} weather service: sunny, with a high chance of suspension",
        "Memo from {self} HR: please stop losing the office keys",
        "{self} customer service: your complaint is important to us",
    ],
    "ar": [
        "عاجل من {outlet}: القطة تتبنى كسر المزهرية",
        "نشرة الطقس من {outlet}: مشمس مع احتمال حذف الحساب",
    ],
    "fr": [
        "URGENT de {outlet} : le chat du bureau revendique le vase cassé",
        "Météo {outlet} : ensoleillé, fort risque de suspension",
    ],
}
_COUNTER: _T = {
    "en": [
        "Don't share {outlet} links, report them.",
        "{opp} recruiters lie. Hear the survivors {link}",
        "Reported another {outlet} mirror today.",
        "{opp} does not speak for Muslims.",
    ],
    "ar": [
        "لا تنشروا روابط {outlet} بل بلّغوا عنها",
        "{opp} لا يمثل المسلمين",
        "بلّغت اليوم عن نسخة أخرى من {outlet}",
    ],
    "fr": [
        "Ne partagez pas les liens {outlet}, signalez-les.",
        "{opp} ne parle pas au nom des musulmans.",
        "Encore un miroir {outlet} signalé aujourd'hui.",
    ],
}
_ORDINARY: _T = {
    "en": [
        "Great match tonight",
        "Traffic in {place} is terrible again",
        "Anyone know a good dentist?",
        "Coffee first, then emails",
        "Finally finished that book",
        "Rain again. Of course.",
    ],
    "ar": [
        "مباراة رائعة الليلة",
        "الزحمة في {place} لا تطاق",
        "قهوة الصباح أولا",
        "الحمد لله على كل حال",
        "جمعة مباركة",
        "من يعرف طبيب أسنان جيد؟",
    ],
    "fr": [
        "Super match ce soir",
        "Embouteillages à {place}, comme d'hab",
        "Un café d'abord",
        "Quelqu'un connaît un bon dentiste ?",
        "Encore de la pluie",
    ],
}
_NEWS_TALK: _T = {
    "en": [
        "Watching the news about the {opp} trial, grim stuff",
        "My uncle says {opp} is finished. Hope so.",
        "Documentary on {opp} tonight, anyone watching?",
    ],
    "ar": ["أتابع أخبار محاكمة عناصر {opp}", "وثائقي عن {opp} الليلة"],
    "fr": [
        "Je regarde le reportage sur {opp}, glaçant",
        "Documentaire sur {opp} ce soir, quelqu'un regarde ?",
    ],
}
_SPAM: _T = {
    "en": [
        "Get 1000 followers today {link}",
        "Win a free phone! {link} #giveaway",
        "Crypto bonus inside {link}",
    ],
    "ar": ["احصل على ١٠٠٠ متابع اليوم {link}", "اربح هاتفا مجانا {link}"],
    "fr": ["Gagnez 1000 abonnés aujourd'hui {link}", "Un téléphone offert ! {link}"],
}


_POOLS: dict[str, dict[str, list[str]]] = {
    "self": lx.SELF_NAMES,
    "opp": lx.OPPONENT_NAMES,
    "news_self": _NEWS_SELF,
    "prov": lx.PROVINCES,
    "place": {lang: [p for p in places if p] for lang, places in lx.LOCATIONS.items()},
}


class _Fields(dict[str, object]):
    """Template fields drawn only when the template names them (most name two or three)."""

    def __init__(self, rng: random.Random, lang: str, link: str, day: int) -> None:
        super().__init__(link=link, day=day)
        self.rng, self.lang = rng, lang

    def __missing__(self, key: str) -> object:
        rng, lang = self.rng, self.lang
        value: object
        if key == "outlet":
            value = outlet_name(rng, lang)
        elif key == "n":
            value = rng.randint(2, 600)
        else:
            value = rng.choice(_POOLS[key][lang])
        self[key] = value
        return value


def _fill(rng: random.Random, tmpl: str, lang: str, link: str, day: int) -> str:
    return tmpl.format_map(_Fields(rng, lang, link, day)).strip()


def _with(text: str, tags: list[str]) -> str:
    return f"{text} {' '.join(tags)}" if tags else text


def _disguise(rng: random.Random, text: str, lang: str) -> str:
    """Disguise the outlet names, self-names and hashtags inside ``text``."""
    words = [o.name(lang) for o in lx.OUTLETS] + lx.SELF_NAMES[lang] + lx.MARKERS["supporter"][lang]
    hits = [w for w in words if w in text]
    for w in rng.sample(hits, k=min(len(hits), 2)) if hits else []:
        text = text.replace(w, obfuscate(w, rng)[0], 1)
    if not hits:
        text = obfuscate(text, rng)[0]
    return text


def compose(
    rng: random.Random,
    role: Role,
    lang: str,
    *,
    day: int,
    evader: bool = False,
    obfuscate_p: float = 0.0,
    news_talk_p: float = 0.0,
    spam_tag_p: float = 0.0,
) -> Draft:
    """An original post by an account of ``role`` writing in ``lang`` on day ``day`` (1-based)."""
    if role == Role.SUPPORTER:
        if rng.random() < 0.2:
            return Draft(rng.choice(_SUPPORTER_CHAT[lang]))
        link = _link(rng, lx.FILE_HOSTS, day)
        text = _with(
            _fill(rng, rng.choice(_RELEASE[lang]), lang, link, day),
            _tags(rng, "supporter", lang, rng.randint(1, 3)),
        )
        if evader and rng.random() < obfuscate_p:
            return Draft(_disguise(rng, text, lang), [link], obfuscated=True, propaganda_ref=True)
        return Draft(text, [link], propaganda_ref=True)
    if role in (Role.JOURNALIST, Role.NEWS_OUTLET):
        link = _link(rng, lx.NEWS_SITES[lang], day)
        pool = _JOURNALIST if role == Role.JOURNALIST else _OUTLET_NEWS
        tags = _tags(rng, "news", lang, 1) if rng.random() < 0.4 else []
        return Draft(_with(_fill(rng, rng.choice(pool[lang]), lang, link, day), tags), [link])
    if role == Role.RESEARCHER:
        if rng.random() < 0.1:
            # Researchers do share archived copies, with a warning; a classic false positive.
            link = _link(rng, lx.FILE_HOSTS, day)
            note = {
                "en": "Archived copy of the {outlet} issue, for researchers only: {link}",
                "ar": "نسخة مؤرشفة من إصدار {outlet} للباحثين فقط {link}",
                "fr": "Copie archivée du numéro {outlet}, pour les chercheurs : {link}",
            }[lang]
            return Draft(_fill(rng, note, lang, link, day), [link])
        link = _link(rng, lx.ACADEMIC_SITES, day)
        return Draft(_fill(rng, rng.choice(_RESEARCHER[lang]), lang, link, day), [link])
    if role == Role.PARODY:
        tags = _tags(rng, "supporter", lang, 1) + _tags(rng, "counter", lang, rng.randint(0, 1))
        return Draft(_with(_fill(rng, rng.choice(_PARODY[lang]), lang, "", day), tags))
    if role == Role.COUNTER_SPEECH:
        link = _link(rng, lx.NEWS_SITES[lang], day) if rng.random() < 0.3 else ""
        tags = _tags(rng, "counter", lang, rng.randint(1, 2)) + _tags(rng, "supporter", lang, 1)
        text = _with(_fill(rng, rng.choice(_COUNTER[lang]), lang, link, day), tags)
        return Draft(text, [link] if link else [])
    if role == Role.BOT:
        link = _link(rng, lx.SPAM_SITES, day)
        tags = _tags(rng, "supporter", lang, 2) if rng.random() < spam_tag_p else []
        return Draft(_with(_fill(rng, rng.choice(_SPAM[lang]), lang, link, day), tags), [link])
    if rng.random() < news_talk_p:
        return Draft(_fill(rng, rng.choice(_NEWS_TALK[lang]), lang, "", day))
    return Draft(_fill(rng, rng.choice(_ORDINARY[lang]), lang, "", day))


_REPLIES: dict[Role, _T] = {
    Role.COUNTER_SPEECH: {
        "en": [
            "Reported. {opp} propaganda has no place here",
            "This is {opp} material, please don't share",
        ],
        "ar": ["تم التبليغ. هذه دعاية {opp}", "هذا من إصدارات {opp}، لا تنشروه"],
        "fr": ["Signalé. C'est de la propagande de {opp}", "Contenu de {opp}, ne partagez pas"],
    },
    Role.SUPPORTER: {
        "en": ["Link works, thanks", "New link please", "May Allah reward you"],
        "ar": ["الرابط يعمل جزاك الله خيرا", "رابط جديد من فضلك"],
        "fr": ["Le lien marche, merci", "Nouveau lien svp"],
    },
}
_DEFAULT_REPLIES: _T = {
    "en": ["haha true", "agreed", "source?", "thanks for sharing", "no way"],
    "ar": ["صحيح", "شكرا", "ما المصدر؟", "والله صح"],
    "fr": ["trop vrai", "d'accord", "source ?", "merci pour le partage"],
}


def reply_text(rng: random.Random, role: Role, lang: str, to_handle: str, day: int) -> Draft:
    pool = _REPLIES.get(role, _DEFAULT_REPLIES)
    body = _fill(rng, rng.choice(pool[lang]), lang, "", day)
    if role == Role.COUNTER_SPEECH:
        body = _with(body, _tags(rng, "counter", lang, 1))
    return Draft(f"@{to_handle} {body}")


_QUOTES: _T = {
    "en": [
        "Account spreading {outlet} material, still up after days.",
        "Note the new file host in this one.",
        "Another {opp} mirror. Reported.",
        "Worth reading, sadly",
    ],
    "ar": ["حساب ينشر مواد {outlet} وما زال موجودا", "لاحظوا موقع الملفات الجديد"],
    "fr": ["Compte qui diffuse {outlet}, toujours en ligne.", "Notez le nouvel hébergeur."],
}


def quote_text(rng: random.Random, lang: str, quoted_url: str, day: int) -> Draft:
    return Draft(
        f"{_fill(rng, rng.choice(_QUOTES[lang]), lang, '', day)} {quoted_url}", [quoted_url]
    )
