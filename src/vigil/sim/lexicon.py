"""Word lists the synthetic world is written from: names, outlets, markers, hosts, places.

Only what a researcher's notes would hold: outlet names, the organisation's name for itself
and its opponents' names for it, hashtags and link hosts. No slogans, no claims, no content.
"""

from __future__ import annotations

__all__ = [
    "ACADEMIC_SITES",
    "AR_FAMILY",
    "AR_FEMALE",
    "AR_MALE",
    "EN_FAMILY",
    "EN_FEMALE",
    "EN_MALE",
    "FILE_HOSTS",
    "FR_FAMILY",
    "FR_FEMALE",
    "FR_MALE",
    "LOCATIONS",
    "MARKERS",
    "NEWS_SITES",
    "OPPONENT_NAMES",
    "OUTLETS",
    "PROVINCES",
    "SELF_NAMES",
    "SPAM_SITES",
    "Outlet",
]


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"Latin Arabic | ..."`` into (Latin, Arabic) pairs; the Arabic may hold spaces."""
    out = []
    for item in text.split("|"):
        latin, arabic = " ".join(item.split()).split(" ", 1)
        out.append((latin, arabic))
    return out


def _words(text: str) -> list[str]:
    return text.split()


# (Latin, Arabic) given names; the Latin form doubles as a handle stem.
AR_MALE = _pairs(
    """
    Muhammad محمد | Ahmad أحمد | Abdullah عبد الله | Umar عمر | Ali علي | Khalid خالد |
    Yusuf يوسف | Ibrahim إبراهيم | Hamza حمزة | Mustafa مصطفى | Saad سعد | Bilal بلال |
    Tariq طارق | Hasan حسن | Husayn حسين | Abdulrahman عبد الرحمن | Ziyad زياد | Faisal فيصل |
    Majid ماجد | Sami سامي | Karim كريم | Yasin ياسين | Anas أنس | Muadh معاذ | Salih صالح |
    Nasser ناصر | Walid وليد | Imad عماد | Jamal جمال | Adil عادل | Ammar عمار | Ayman أيمن
    """
)
AR_FEMALE = _pairs(
    """
    Fatima فاطمة | Aisha عائشة | Maryam مريم | Khadija خديجة | Zaynab زينب | Sara سارة |
    Nour نور | Huda هدى | Asma أسماء | Layla ليلى | Amal أمل | Rania رانيا | Hiba هبة |
    Salma سلمى | Dina دينا | Reem ريم
    """
)
# Family names and nisbas (place or tribe); ordinary users and supporters draw from the same list.
AR_FAMILY = _pairs(
    """
    al-Shami الشامي | al-Iraqi العراقي | al-Masri المصري | al-Tunisi التونسي | al-Libi الليبي |
    al-Maghribi المغربي | al-Halabi الحلبي | al-Mawsili الموصلي | al-Najdi النجدي |
    al-Jazairi الجزائري | al-Otaibi العتيبي | al-Qahtani القحطاني | al-Harbi الحربي |
    al-Dosari الدوسري | al-Zahrani الزهراني | al-Ansari الأنصاري | al-Hashimi الهاشمي |
    al-Shammari الشمري | al-Tamimi التميمي | al-Jubouri الجبوري | al-Kurdi الكردي | Haddad حداد |
    Khoury خوري | Mansour منصور | Nasr نصر
    """
)
EN_MALE = _words(
    """
    James John Michael David Daniel Thomas Chris Matt Ryan Adam Sam Ben Joe Mark Paul Yusuf
    Ibrahim Omar Bilal Zain
    """
)
EN_FEMALE = _words(
    """
    Emma Olivia Sarah Jessica Emily Laura Rachel Hannah Kate Amy Maryam Aisha Zara Sophie Lucy
    Grace
    """
)
EN_FAMILY = _words(
    """
    Smith Jones Taylor Brown Williams Wilson Johnson Davies Evans Walker Wright Thompson White
    Hughes Green Hall Khan Ahmed Hussain Ali Patel Begum Rahman Miller Clark Lewis
    """
)
FR_MALE = _words(
    """
    Julien Thomas Nicolas Maxime Antoine Hugo Lucas Pierre Louis Karim Mehdi Yassine Sofiane
    Amine Rachid Bilal Nabil Samir
    """
)
FR_FEMALE = _words(
    """
    Camille Manon Chloé Léa Julie Sarah Inès Nadia Yasmine Leïla Amira Sonia Claire Émilie
    """
)
FR_FAMILY = _words(
    """
    Martin Bernard Dubois Durand Lefebvre Moreau Laurent Simon Michel Garcia Roux Fournier
    Benali Haddad Mansouri Belkacem Bouzid Cherif Brahimi Saidi Amrani Meziane Rahmani Zeroual
    """
)

LOCATIONS = {
    "ar": [
        "الرياض",
        "بغداد",
        "القاهرة",
        "عمّان",
        "تونس",
        "الجزائر",
        "الموصل",
        "حلب",
        "Riyadh",
        "Kuwait",
        "Doha",
        "Beirut",
        "",
        "",
        "",
    ],
    "en": [
        "London",
        "Birmingham",
        "Manchester",
        "New York",
        "Toronto",
        "Sydney",
        "Washington, DC",
        "Chicago",
        "Dublin",
        "",
        "",
        "",
    ],
    "fr": [
        "Paris",
        "Lyon",
        "Marseille",
        "Toulouse",
        "Lille",
        "Bruxelles",
        "Nice",
        "Strasbourg",
        "Montréal",
        "",
        "",
        "",
    ],
}


class Outlet:
    """A named media outlet of the organisation, with its spellings in the three languages."""

    __slots__ = ("ar", "en", "fr", "key", "kind", "tag")

    def __init__(self, key: str, en: str, ar: str, fr: str, tag: str, kind: str) -> None:
        self.key, self.en, self.ar, self.fr, self.tag, self.kind = key, en, ar, fr, tag, kind

    def name(self, lang: str) -> str:
        return {"ar": self.ar, "fr": self.fr}.get(lang, self.en)


OUTLETS = [
    Outlet("amaq", "Amaq", "أعماق", "Amaq", "Amaq", "agency"),
    Outlet(
        "hayat",
        "al-Hayat Media Center",
        "مركز الحياة للإعلام",
        "centre al-Hayat",
        "AlHayat",
        "video",
    ),
    Outlet("furqan", "al-Furqan", "مؤسسة الفرقان", "al-Furqan", "AlFurqan", "video"),
    Outlet("naba", "al-Naba", "صحيفة النبأ", "al-Naba", "AlNaba", "newsletter"),
    Outlet("dabiq", "Dabiq", "دابق", "Dabiq", "Dabiq", "magazine"),
    Outlet("rumiyah", "Rumiyah", "رومية", "Rumiyah", "Rumiyah", "magazine"),
    Outlet("bayan", "al-Bayan radio", "إذاعة البيان", "radio al-Bayan", "AlBayan", "radio"),
    Outlet("nashir", "Nashir", "ناشر", "Nashir", "Nashir", "channel"),
]

# What the organisation calls itself, and what its opponents call it.
SELF_NAMES = {
    "ar": ["الدولة الإسلامية", "الدولة", "دولة الخلافة"],
    "en": ["the Islamic State", "al-Dawla", "the Dawla"],
    "fr": ["l'État islamique", "la Dawla", "al-Dawla"],
}
OPPONENT_NAMES = {
    "ar": ["داعش", "تنظيم داعش"],
    "en": ["Daesh", "ISIS", "ISIL"],
    "fr": ["Daech", "l'EI", "Daesh"],
}
# Province names as the organisation styled them; plain geography in the posts.
PROVINCES = {
    "ar": ["ولاية نينوى", "ولاية الرقة", "ولاية سيناء", "ولاية غرب أفريقيا", "ولاية خراسان"],
    "en": [
        "Wilayat Ninawa",
        "Wilayat al-Raqqa",
        "Wilayat Sinai",
        "Wilayat West Africa",
        "Wilayat Khurasan",
    ],
    "fr": [
        "wilaya de Ninive",
        "wilaya de Raqqa",
        "wilaya du Sinaï",
        "wilaya d'Afrique de l'Ouest",
        "wilaya du Khorasan",
    ],
}
# Hashtags by who uses them; counter-speech and parody reuse the supporters' ones too.
MARKERS = {
    "supporter": {
        "ar": ["#الدولة_الإسلامية", "#أعماق", "#صحيفة_النبأ", "#ناشر", "#إصدار_جديد"],
        "en": ["#IslamicState", "#Amaq", "#AlNaba", "#Dawla", "#NewRelease"],
        "fr": ["#EtatIslamique", "#Amaq", "#Dawla", "#AlNaba"],
    },
    "counter": {
        "ar": ["#داعش", "#لا_لداعش", "#ليس_باسمي"],
        "en": ["#Daesh", "#NotInMyName", "#StopDaesh"],
        "fr": ["#Daech", "#PasEnMonNom", "#StopDaech"],
    },
    "news": {
        "ar": ["#العراق", "#سوريا", "#عاجل"],
        "en": ["#Iraq", "#Syria", "#Breaking"],
        "fr": ["#Irak", "#Syrie", "#Terrorisme"],
    },
}

FILE_HOSTS = [
    "https://archive.org/details/{slug}",
    "https://justpaste.it/{slug}",
    "https://telegra.ph/{slug}-09-{day:02d}",
    "https://files.fm/u/{slug}",
    "https://gofile.io/d/{slug}",
    "https://sendvid.com/{slug}",
    "https://top4top.io/p_{slug}",
]
NEWS_SITES = {
    "en": [
        "https://www.reuters.com/world/middle-east/{slug}-2026-09-{day:02d}/",
        "https://www.bbc.com/news/world-middle-east-{num}",
        "https://apnews.com/article/{slug}",
        "https://www.theguardian.com/world/2026/sep/{day:02d}/{slug}",
    ],
    "ar": [
        "https://www.aljazeera.net/news/2026/9/{day}/{slug}",
        "https://www.alarabiya.net/arab-and-world/2026/09/{day:02d}/{slug}",
        "https://www.bbc.com/arabic/articles/{slug}",
    ],
    "fr": [
        "https://www.lemonde.fr/international/article/2026/09/{day:02d}/{slug}_{num}_3210.html",
        "https://www.france24.com/fr/moyen-orient/202609{day:02d}-{slug}",
        "https://www.rfi.fr/fr/moyen-orient/202609{day:02d}-{slug}",
    ],
}
ACADEMIC_SITES = [
    "https://doi.org/10.1080/1057610X.2026.{num}",
    "https://ctc.westpoint.edu/{slug}/",
    "https://www.icct.nl/publication/{slug}",
    "https://gnet-research.org/2026/09/{day:02d}/{slug}/",
    "https://www.voxpol.eu/{slug}/",
    "https://arxiv.org/abs/2609.{num}",
]
SPAM_SITES = [
    "https://bit.ly/{slug}",
    "https://free-followers.example.net/{slug}",
    "https://giveaway-now.example.com/{slug}",
    "https://crypto-bonus.example.org/{slug}",
]
