"""What a user's message says about the app they cannot connect.

People paste many things: the app's name, its id, the consent URL from the
address bar, or the error page's text. Only stable tokens are read: GUIDs,
``client_id``/``scope`` URL parameters and ``AADSTS`` codes. The sentences
around them change with every Entra release and language, so they are never
parsed; they are only removed so the app's name stands out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

from domain.object_ids import GUID_IN_TEXT, is_object_id

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_CLIENT_ID = re.compile(r"client_id=([^&\s#]+)", re.IGNORECASE)
_ENCODED_URL = re.compile(r"https?%3A%2F%2F", re.IGNORECASE)
_SCOPE_PARAMETER = re.compile(r"scope=[^&\s#]*", re.IGNORECASE)
_AADSTS = re.compile(r"\bAADSTS(\d{5,7})\b", re.IGNORECASE)
# Lines of an error page that carry ids which are never the app's.
_NOT_APP_ID_LABEL = re.compile(
    r"(correlation|trace|request|tenant|session|object)\s*id|"
    r"(identifiant|id)\s+de\s+(corr[ée]lation|suivi|requ[êe]te|locataire)|"
    r"相関\s*ID|トレース\s*ID|要求\s*ID|テナント\s*ID",
    re.IGNORECASE,
)

# Words that make a message a question about connecting an app, in the three languages.
_QUESTION_WORDS = re.compile(
    r"why|can'?t|cannot|connect|sign[ -]?in|log[ -]?in|approv|consent|admin|blocked|access|"
    r"pourquoi|connect|connexion|approbation|consentement|administrat|bloqu|acc[eè]s|"
    r"peux pas|utiliser|impossible|"
    r"接続|承認|同意|管理者|できない|できません|使えない|使えません|なぜ|ブロック|サインイン|ログイン",
    re.IGNORECASE,
)
# Filler removed before matching a typed name; app names rarely consist of these.
_FILLER_WORDS = """
    why can't cant cannot can not i i'm im my me we our to the a an app application apps
    connect connecting connected connection use using sign signin login log in into with
    is it this that does doesn't isn't won't will need needs admin administrator approval
    approve approved consent blocked access please help what how get error says say says
    shows message page to on for of and or from when after tried try trying again still
    pourquoi je ne n' peux pas puis-je connecter connexion à a au aux l' la le les un une
    de du des d' application appli utiliser se mon ma mes approbation administrateur
    consentement bloqué bloquée accès est-ce que qu' quand avec sur dit erreur toujours
    est sont peut veux voudrais marche fonctionne id name nom correlation trace timestamp
    details détails code
"""
# French elision ("l'appli", "d'Outlook"): the article is not part of the name.
_ELISION = re.compile(r"\b(?:l|d|qu|n|j|s|c)'(?=\w)", re.IGNORECASE)
_FILLER = frozenset(_FILLER_WORDS.split())  # compared after ``normalise`` (see _name_text)
_JAPANESE_FILLER = re.compile(
    r"に接続できない|に接続できません|を接続できない|を接続できません|接続できない|接続できません|"
    r"が使えない|を使えない|が使えません|を使えません|管理者の承認が必要|承認が必要|"
    r"なぜ|どうして|ですか|のは|のですか|のですが|アプリ|という|について|ので|ません|できない|"
    r"接続|承認|同意|管理者|ブロック|エラー|[はがをにのでとも、。?!]"
)
# A question written in a supported language is answered in it, whatever the client's locale.
_KANA = re.compile(r"[\u3040-\u30ff]")
_FRENCH = re.compile(
    r"\b(pourquoi|je ne peux|puis-je|impossible de|connecter|l'appli|approbation|"
    r"consentement|administrateur|bloqu[ée]e?)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\s,;:!?()\[\]{}\"“”«»]+")


@dataclass(frozen=True, slots=True)
class Question:
    """The stable facts in a message; ``name_text`` is what is left to match a name against."""

    text: str
    app_ids: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    error_code: str | None = None
    name_text: str = ""
    looks_like_question: bool = False
    language: str | None = None

    @property
    def has_pointer(self) -> bool:
        """Whether the message names the app by id or carries an error code."""
        return bool(self.app_ids or self.error_code)


def normalise(text: str) -> str:
    """Case-, width- and accent-insensitive form for comparing names."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s&+.'-]", " ", stripped)).strip()


def _url_facts(url: str) -> tuple[list[str], list[str]]:
    """``client_id`` and ``scope`` of a consent or sign-in URL."""
    query = parse_qs(urlsplit(url).query)
    app_ids = [v.strip() for v in query.get("client_id", []) if is_object_id(v.strip())]
    scopes: list[str] = []
    for raw in query.get("scope", []):
        for item in raw.split():
            # "https://graph.microsoft.com/Mail.Read" -> "Mail.Read"; ".default" says nothing.
            value = item.rsplit("/", 1)[-1]
            if value and value.lower() != ".default" and value not in scopes:
                scopes.append(value)
    return app_ids, scopes


def _app_ids(text: str, url_ids: list[str]) -> list[str]:
    """GUIDs that may be the app's id: URL ``client_id`` first, then unlabelled ones.

    A ``scope`` parameter is skipped: ``{resourceAppId}/User.Read`` names the API
    the permission belongs to, never the app asking for it.
    """
    found = [i.lower() for i in url_ids]
    for line in _SCOPE_PARAMETER.sub(" ", text).splitlines():
        if _NOT_APP_ID_LABEL.search(line) and not _CLIENT_ID.search(line):
            continue
        for match in GUID_IN_TEXT.finditer(line):
            value = match.group(0).lower()
            if value not in found:
                found.append(value)
    return found


def _name_text(text: str) -> str:
    without = _AADSTS.sub(" ", GUID_IN_TEXT.sub(" ", _URL.sub(" ", text)))
    without = _JAPANESE_FILLER.sub(" ", unicodedata.normalize("NFKC", without))
    kept = []
    without = _ELISION.sub("", without.replace("\u2019", "'"))
    for token in _TOKEN.findall(without):
        cleaned = token.replace("\u2019", "'").strip(".'-")
        if cleaned and normalise(cleaned) not in _NORMALISED_FILLER:
            kept.append(cleaned)
    return " ".join(kept)


_NORMALISED_FILLER = frozenset(normalise(word) for word in _FILLER)


def written_language(text: str) -> str | None:
    """ "ja" or "fr" when the words themselves say so; None leaves it to the locale."""
    if _KANA.search(text):
        return "ja"
    if _FRENCH.search(text.replace("\u2019", "'")):
        return "fr"
    return None


def read_question(text: str | None) -> Question:
    """Everything stable a message says about the app; never raises on odd input."""
    raw = (text or "").strip()
    if _ENCODED_URL.search(raw) and not _URL.search(raw):
        raw = unquote(raw)  # a link copied fully encoded, as some mail clients do
    url_ids: list[str] = []
    scopes: list[str] = []
    for url in _URL.findall(raw):
        ids, url_scopes = _url_facts(unquote_plus(url) if "%" in url and "?" not in url else url)
        url_ids += ids
        scopes += [s for s in url_scopes if s not in scopes]
    if not url_ids:
        # A pasted URL may have lost its scheme or been cut; the parameter still counts.
        url_ids = [m for m in _CLIENT_ID.findall(raw) if is_object_id(m)]
    code = _AADSTS.search(raw)
    return Question(
        text=raw,
        app_ids=tuple(_app_ids(raw, url_ids)),
        scopes=tuple(scopes),
        error_code=f"AADSTS{code.group(1)}" if code else None,
        name_text=_name_text(raw),
        looks_like_question=bool(_QUESTION_WORDS.search(raw)),
        language=written_language(raw),
    )
