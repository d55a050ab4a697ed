"""The one style every export speaks: which journal name, which year, which title casing.

Vancouver (NLM) is the house style of the medical literature refkit reads: journals by their
NLM/ISO abbreviation (``Lancet``, ``N Engl J Med``), article titles in sentence case, the year
the issue was printed. Choosing here, once per field, keeps a verified entry (canonical record)
and an unverified one (the citation as printed) in the same style side by side.
"""

from __future__ import annotations

import re

from refkit.model import Reference, Work
from refkit.resolve.matcher import abbreviates
from refkit.text import fold

# Words a full journal title keeps and its NLM abbreviation drops ("Journal *of* the American …").
_FULL_TITLE_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "de", "la", "le", "der", "und", "et"})
_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")  # NLM's place qualifier: "Rheumatology (Oxford)"


def nlm_form(name: str | None) -> str | None:
    """A journal name in NLM's punctuation: ISO's periods dropped (``N. Engl. J. Med.`` →
    ``N Engl J Med``), no leading article (``The Lancet`` → ``Lancet``)."""
    if not name:
        return None
    text = re.sub(r"\s+", " ", name).strip()
    text = re.sub(r"(?<=\w)\.(?=\s|$)", "", text)  # ISO 4 abbreviation periods
    text = re.sub(r"^(?:the|la|le|les|die|der|das)\s+(?=\S)", "", text, flags=re.I)
    return text.strip(" .,;") or None


def is_abbreviated(name: str | None) -> bool:
    """Whether a journal name reads as an NLM/ISO abbreviation rather than a full title: it
    keeps none of the function words or ampersands a full title has. A one-word title is its
    own abbreviation (``Autoimmunity``)."""
    if not name:
        return False
    if "&" in name:
        return False
    words = fold(_QUALIFIER.sub("", name)).split()
    return bool(words) and not any(w in _FULL_TITLE_WORDS for w in words)


def _same_journal(cited: str, work: Work, ref: Reference) -> bool:
    """The cited journal names the record's journal: the matcher said so, or one abbreviates the other."""
    evidence = (ref.match.evidence.get("journal") if ref.match is not None else None) or {}
    if evidence.get("verdict") == "match":
        return True
    bare = fold(_QUALIFIER.sub("", cited))
    for name in (work.short_container_title, work.container_title):
        other = fold(_QUALIFIER.sub("", nlm_form(name) or ""))
        if other and (bare == other or abbreviates(bare, other) or abbreviates(other, bare)):
            return True
    return False


def journal_abbreviation(ref: Reference, work: Work | None) -> str | None:
    """The journal as Vancouver names it, from the citation or the record alike.

    The cited name wins when it is an abbreviation of the record's journal (it may carry NLM's
    place qualifier, ``Rheumatology (Oxford)``, that Crossref's short title lacks); then the
    record's short title in NLM form; then whatever name there is, in NLM punctuation.
    """
    cited = nlm_form(ref.journal)
    if work is None:
        return cited
    short, full = nlm_form(work.short_container_title), nlm_form(work.container_title)
    if cited and is_abbreviated(cited) and _same_journal(cited, work, ref):
        return cited
    for name in (short, full):
        if is_abbreviated(name):
            return name
    return short or (cited if cited and _same_journal(cited, work, ref) else None) or full or cited


def print_year(work: Work) -> int | None:
    """The year the issue was printed (``Work.print_year``), else the record's issue year."""
    return work.print_year or work.year


# --- title case -----------------------------------------------------------------------------------
_TOKEN = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_MINOR = frozenset(re.findall(r"\w+",
    "a an the of on in at to for from by with without and or nor but as is are was were be via vs "
    "versus into onto over under after before between among its their his her than"))


def is_title_case(title: str) -> bool:
    """Title Case capitalises (nearly) every significant word after the first; sentence case few."""
    significant = []
    for word in title.split()[1:]:
        core = _TOKEN.match(word).group(2)  # type: ignore[union-attr]
        if len(core) >= 4 and core.isalpha() and core.lower() not in _MINOR:
            significant.append(core)
    return bool(significant) and sum(w[0].isupper() for w in significant) / len(significant) >= 0.75


def _keeps_capitals(core: str) -> bool:
    """An acronym or a name with inner capitals (IVIG, mRNA, McArdle, T-cell, COVID-19)."""
    parts = [p for p in re.split(r"[-/\u2013]", core) if p]
    for part in parts:
        letters = [c for c in part if c.isalpha()]
        if not letters:
            continue
        if any(c.isupper() for c in part[1:]):
            return True
        if len(letters) == 1 and letters[0].isupper() and len(parts) > 1:
            return True
        if part[0].isupper() and any(c.isdigit() for c in part):
            return True
    return len(core) == 1 and core.isupper() and core != "A"


def sentence_case(title: str | None, cited: str | None = None) -> str | None:
    """A title in the sentence case Vancouver asks for.

    A Title Case title is lowered word by word: the first word keeps its capital, acronyms keep
    theirs, and so does a word the citation itself spells with a capital (a name: ``French
    Canadian``). In a title already in sentence case only a subtitle's first word changes, to the
    lower case the citation gives it (``…: an open study``), as NLM prints subtitles.
    """
    if not title:
        return title
    cited_words = re.findall(r"[^\W_][\w'-]*", cited or "")
    capitalised = {fold(w) for w in cited_words[1:] if w[:1].isupper()}
    lowered = {fold(w) for w in cited_words if w[:1].islower()}
    title_case = is_title_case(title)
    out = []
    first, after_colon = True, False
    for token in re.split(r"(\s+)", title):
        if not token or token.isspace():
            out.append(token)
            continue
        lead, core, trail = _TOKEN.match(token).groups()  # type: ignore[union-attr]
        lower = title_case and fold(core) not in capitalised or after_colon and fold(core) in lowered
        if core and not first and not _keeps_capitals(core) and lower:
            core = core[:1].lower() + core[1:]
        out.append(lead + core + trail)
        if core:
            first = False
            after_colon = trail.endswith(":")
    return "".join(out)
