"""JATS (and older NLM) article XML → :class:`Article`, with entity expansion and network access off.

Structured citations (``element-citation``, tagged ``mixed-citation``) give their fields
directly; citation text without tags goes to :func:`parse_reference`.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from refkit.dates import parse_year
from refkit.errors import RefkitError
from refkit.model import Article, Author, Caption, Reference
from refkit.pages import expand_last_page
from refkit.parse.reference import parse_reference

_XML_START = re.compile(
    r"^\ufeff?\s*(?:<\?xml\b|<!DOCTYPE\s+(?:article|pmc-articleset)\b|<(?:\w+:)?article[\s>])"
)
_CITATIONS = ("element-citation", "mixed-citation", "citation", "nlm-citation")
_INITIALS = re.compile(r"^(?:[A-Z]\.?[\s-]*){1,4}$")


def looks_like_xml(text: str) -> bool:
    """Whether ``text`` is XML content (an XML declaration or an ``<article>`` root)."""
    return bool(_XML_START.match(text[:2000]))


def parse_jats(text: str, source: str | None = None) -> Article:
    """Read a JATS article; RefkitError for malformed or unsafe XML, or XML that is not an article."""
    name = source or "input"
    root = _parse_xml(text, name)
    article_el = root if _local(root.tag) == "article" else _find(root, "article")
    if article_el is None:
        raise RefkitError(f"{name} is XML but not a JATS article (root element <{_local(root.tag)}>)")
    article = Article(text=text, source=source)
    meta = _find(article_el, "article-meta")
    if meta is not None:
        _read_meta(article, meta)
    journal_meta = _find(article_el, "journal-meta")
    if journal_meta is not None:
        article.journal = _journal(journal_meta)
    body = _find(article_el, "body")
    if body is not None:
        paragraphs = [_text(p) for p in _paragraphs(body)]
        article.body = "\n\n".join(p for p in paragraphs if p) or None
    for kind in ("fig", "table-wrap"):
        for el in _iter(article_el, kind):
            caption = _caption(el, text)
            if caption is not None:
                article.captions.append(caption)
    refs = list(_iter(article_el, "ref"))  # in <back>, or in a <ref-list> a section holds
    for index, ref_el in enumerate(refs, 1):
        article.references.append(_reference(ref_el, index))
    if not refs:
        article.warnings.append("no reference list (ref-list) found")
    return article


_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _html_entities_as_numbers(text: str) -> str:
    """``&nbsp;`` → ``&#160;``: names the JATS DTD defines, which a parser without the DTD lacks.

    Only the fixed HTML names are rewritten; entities a document declares itself stay, and
    defusedxml refuses them.
    """

    def number(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES or name not in name2codepoint:
            return m.group(0)
        return f"&#{name2codepoint[name]};"

    return _NAMED_ENTITY.sub(number, text)


def _parse_xml(text: str, name: str) -> Element:
    try:
        return SafeET.fromstring(_html_entities_as_numbers(text.lstrip("\ufeff")), forbid_dtd=False,
                                 forbid_entities=True, forbid_external=True)
    except ParseError as err:
        raise RefkitError(f"{name} is malformed XML ({err})") from None
    except defusedxml.EntitiesForbidden:
        raise RefkitError(f"{name} declares XML entities; refusing to expand them") from None
    except defusedxml.DefusedXmlException as err:
        raise RefkitError(f"{name}: unsafe XML refused ({type(err).__name__})") from None


# --- element helpers ---------------------------------------------------------------------

def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _iter(el: Element, name: str):
    return (e for e in el.iter() if _local(e.tag) == name)


def _find(el: Element, *names: str) -> Element | None:
    """The first descendant (or ``el`` itself) whose local name is one of ``names``."""
    return next((e for e in el.iter() if _local(e.tag) in names), None)


def _children(el: Element, *names: str) -> list[Element]:
    return [e for e in el if _local(e.tag) in names]


def _text(el: Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _value(el: Element, *names: str) -> str | None:
    found = _find(el, *names)
    return _text(found) or None if found is not None else None


def _paragraphs(el: Element):
    """Paragraphs of ``el`` outside figures and tables (their captions are read apart)."""
    for child in el:
        name = _local(child.tag)
        if name in ("fig", "table-wrap", "fig-group", "table-wrap-group"):
            continue
        if name == "p":
            yield child
        else:
            yield from _paragraphs(child)


# --- front matter ------------------------------------------------------------------------

def _read_meta(article: Article, meta: Element) -> None:
    title_group = _find(meta, "title-group")
    if title_group is not None:
        article.title = _value(title_group, "article-title")
    for contrib in _iter(meta, "contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        author = _person(contrib)
        if author is not None:
            article.authors.append(author)
    article.volume = _value(meta, "volume")
    article.issue = _value(meta, "issue")
    article.first_page = _value(meta, "fpage") or _value(meta, "elocation-id")
    article.year = _pub_year(meta)
    for article_id in _iter(meta, "article-id"):
        if article_id.get("pub-id-type") == "doi" and _text(article_id):
            article.doi = _text(article_id)
            break
    abstracts = list(_iter(meta, "abstract"))
    plain = [a for a in abstracts if not a.get("abstract-type")] or abstracts
    if plain:
        paragraphs = [_text(p) for p in _iter(plain[0], "p")] or [_text(plain[0])]
        article.abstract = "\n\n".join(p for p in paragraphs if p) or None


def _pub_year(meta: Element) -> int | None:
    ranked: list[tuple[int, int]] = []
    order = ["ppub", "collection", "epub-ppub", "pub", "epub"]
    for date in _iter(meta, "pub-date"):
        kind = date.get("pub-type") or date.get("date-type") or "pub"
        year = parse_year(_value(date, "year"))
        if year:
            ranked.append((order.index(kind) if kind in order else len(order), year))
    return min(ranked)[1] if ranked else None


def _journal(journal_meta: Element) -> str | None:
    for el in _iter(journal_meta, "abbrev-journal-title"):
        if _text(el):
            return _text(el)
    for el in _iter(journal_meta, "journal-id"):
        if el.get("journal-id-type") in ("nlm-ta", "iso-abbrev") and _text(el):
            return _text(el)
    return _value(journal_meta, "journal-title")


def _person(el: Element) -> Author | None:
    """An author from a ``contrib``, ``name``, ``string-name`` or ``collab`` element."""
    name_el = el if _local(el.tag) in ("name", "string-name") else _find(el, "name", "string-name")
    if name_el is not None:
        family = _value(name_el, "surname")
        given = _value(name_el, "given-names")
        if family:
            return Author(family, _initials(given))
        text = _text(name_el)
        return Author(text) if text else None
    collab = el if _local(el.tag) == "collab" else _find(el, "collab")
    if collab is not None and _text(collab):
        return Author(_text(collab), None, group=True)
    return None


def _initials(given: str | None) -> str | None:
    """``M. C.`` → ``MC`` (references print initials); full given names stay as they are."""
    if given and _INITIALS.match(given):
        return re.sub(r"[\s.]+", "", given)
    return given


def _caption(el: Element, text: str) -> Caption | None:
    caption_el = _find(el, "caption")
    label = _value(el, "label") or ("Table" if _local(el.tag) == "table-wrap" else "Figure")
    if caption_el is None:
        return None
    caption = _text(caption_el)
    if not caption:
        return None
    image = None
    graphic = _find(el, "graphic")
    if graphic is not None:
        image = next((v for k, v in graphic.attrib.items() if _local(k) == "href"), None)
    start = text.find(caption)
    return Caption(label.rstrip(".:"), caption, image, start if start >= 0 else None)


# --- references --------------------------------------------------------------------------

def _reference(ref_el: Element, index: int) -> Reference:
    label = _value(ref_el, "label")
    digits = re.search(r"\d+", label or "")
    n = int(digits.group(0)) if digits else index
    citation = _find(ref_el, *_CITATIONS)
    if citation is None:
        raw = _text(ref_el) if not label else _text(ref_el).removeprefix(label).strip()
        return _parsed(raw, n)
    kind = _local(citation.tag)
    structured = any(_find(citation, name) is not None for name in
                     ("article-title", "source", "person-group", "name", "string-name", "year", "collab"))
    if not structured:
        return _parsed(_citation_text(citation), n)
    fields = _citation_fields(citation)
    if kind == "element-citation":
        ref = Reference(raw=_vancouver(fields), n=n)
    else:
        ref = _parsed(_citation_text(citation), n)
    for key, value in fields.items():
        if value not in (None, [], False):
            setattr(ref, key, value)
    return ref


def _citation_text(el: Element) -> str:
    """A citation's printed text; tagged names (``<surname>``, ``<given-names>``) get their space."""
    return " ".join(_render(el).split())


def _render(el: Element) -> str:
    name = _local(el.tag)
    if name in ("name", "string-name") and _find(el, "surname") is not None:
        parts = [_value(el, "surname"), _value(el, "given-names"), _value(el, "suffix")]
        inner = " ".join(p for p in parts if p)
    elif name == "etal":
        inner = "et al"
    else:
        inner = (el.text or "") + "".join(_render(child) for child in el)
    return inner + (el.tail or "")


def _parsed(raw: str, n: int) -> Reference:
    try:
        ref = parse_reference(raw)
    except Exception as err:  # noqa: BLE001 - a reference is never dropped, whatever the parser does
        ref = Reference(raw=raw, warnings=[f"reference parser failed: {type(err).__name__}: {err}"])
    ref.raw, ref.n = raw, n
    return ref


def _citation_fields(citation: Element) -> dict[str, object]:
    groups = list(_iter(citation, "person-group"))
    authors_from = [g for g in groups if g.get("person-group-type", "author") == "author"] or (
        [] if groups else [citation])
    authors: list[Author] = []
    for group in authors_from:
        for child in group:
            if _local(child.tag) in ("name", "string-name", "collab"):
                person = _person(child)
                if person is not None:
                    authors.append(person)
    title = _value(citation, "article-title") or _value(citation, "chapter-title")
    source = _value(citation, "source")
    journal = source
    if title is None and citation.get("publication-type", "journal") != "journal":
        title, journal = source, None
    first_page = _value(citation, "fpage") or _value(citation, "elocation-id")
    ids = {el.get("pub-id-type"): _text(el) for el in _iter(citation, "pub-id")}
    url = next((v for el in _iter(citation, "ext-link") for k, v in el.attrib.items() if _local(k) == "href"),
               None) or _value(citation, "uri")
    return {
        "authors": authors,
        "et_al": _find(citation, "etal") is not None,
        "title": title.rstrip(".") if title else None,
        "journal": journal.rstrip(".") if journal else None,
        "year": parse_year(_value(citation, "year")),
        "volume": _value(citation, "volume"),
        "issue": _value(citation, "issue"),
        "first_page": first_page,
        "last_page": expand_last_page(first_page, _value(citation, "lpage")),
        "doi": ids.get("doi"),
        "pmid": ids.get("pmid"),
        "pmcid": ids.get("pmcid") or ids.get("pmc"),
        "url": url,
    }


def _vancouver(fields: dict[str, object]) -> str:
    """A reference line for a structured citation that has no printed text of its own."""
    authors = fields["authors"] or []
    names = ", ".join(f"{a.family} {a.given}".strip() if a.given else a.family for a in authors)  # type: ignore[union-attr]
    if fields["et_al"]:
        names += ", et al"
    parts = [names, fields["title"], fields["journal"]]
    text = ". ".join(str(p) for p in parts if p)
    date = str(fields["year"] or "")
    if fields["volume"]:
        date += f";{fields['volume']}"
        if fields["issue"]:
            date += f"({fields['issue']})"
    if fields["first_page"]:
        date += f":{fields['first_page']}"
        if fields["last_page"]:
            date += f"-{fields['last_page']}"
    return (text + ". " + date + ".").strip() if date else text + "."
