"""The PubMed adapter: PubMed XML (``PubmedArticle``) → :class:`Work`, and PubMed as a Source.

The only place in refkit that knows PubMed's element names (``MedlineCitation``, ``MedlinePgn``,
``ArticleIdList``…). ``efetch.fcgi`` answers, NLM's annual baseline and daily update files
(``pubmed25n0001.xml.gz``) and the workspace's ``seeds/*.pubmed.xml`` all have the one shape
``PubmedArticleSet``, so the E-utilities client and the local catalog's importer both go through
:func:`work_from_pubmed` / :func:`iter_pubmed_works`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from refkit.dates import parse_year
from refkit.errors import RefkitError, SourceError
from refkit.model import Author, Reference, Work
from refkit.pages import split_page_range
from refkit.text import strip_markup

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# CommentsCorrections that mark *this* work as updated by a notice, and those that make this
# record the notice. Types as Work.updated_by / update_to carry them (Crossref's words).
_UPDATED_BY = {"RetractionIn": "retraction", "ErratumIn": "correction",
               "ExpressionOfConcernIn": "expression_of_concern", "RepublishedIn": "republication"}
_UPDATE_TO = {"RetractionOf": "retraction", "ErratumFor": "correction",
              "ExpressionOfConcernFor": "expression_of_concern"}
# Publication types that say the same when CommentsCorrections is absent (records being indexed).
_NOTICE_TYPES = {"Retraction of Publication": "retraction", "Published Erratum": "correction",
                 "Expression of Concern": "expression_of_concern"}


def _text(element: Element | None) -> str:
    """All the text inside ``element`` (inline markup such as ``<i>``, ``<sup>`` flattened)."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _title(element: Element | None) -> str:
    """PubMed ends titles with a full stop and brackets translated ones; neither is the title."""
    text = strip_markup(_text(element))
    if text.startswith("[") and text.endswith(("].", "]")):
        text = text.lstrip("[").rstrip(".").rstrip("]")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text.strip()


def _month(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdigit():
        month = int(value)
        return month if 1 <= month <= 12 else None
    return _MONTHS.get(value[:3])


def _pub_date(date: Element | None) -> tuple[int | None, int | None]:
    """(year, month) of a ``PubDate``: ``Year``/``Month``, or a ``MedlineDate`` (``1998 Dec-1999 Jan``)."""
    if date is None:
        return None, None
    year = parse_year(date.findtext("Year"))
    month = _month(date.findtext("Month") or "")
    if year is None:
        medline = date.findtext("MedlineDate") or ""
        year = parse_year(medline)
        words = re.findall(r"[A-Za-z]{3,}", medline)
        month = _month(words[0]) if words else None
    return year, month


def _authors(article: Element) -> list[Author]:
    authors = []
    for a in article.findall("AuthorList/Author"):
        if a.get("ValidYN", "Y") != "Y":
            continue  # an erroneous name NLM keeps only for the record
        if a.findtext("LastName"):
            given = a.findtext("ForeName") or a.findtext("Initials") or None
            authors.append(Author(a.findtext("LastName") or "", given))
        elif a.findtext("CollectiveName"):
            authors.append(Author(_text(a.find("CollectiveName")), None, group=True))
    return authors


def _abstract(article: Element) -> str | None:
    parts = []
    for part in article.findall("Abstract/AbstractText"):
        text = strip_markup(_text(part))
        if not text:
            continue
        label = part.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _mesh(citation: Element) -> list[dict[str, Any]]:
    """MeSH headings, one per descriptor (a file may split one descriptor over two headings)."""
    by_descriptor: dict[str, dict[str, Any]] = {}
    for heading in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        name = _text(descriptor)
        if descriptor is None or not name:
            continue
        entry = by_descriptor.setdefault(name, {"descriptor": name, "id": descriptor.get("UI"),
                                                "qualifiers": [], "major": False})
        entry["major"] = entry["major"] or descriptor.get("MajorTopicYN") == "Y"
        for q in heading.findall("QualifierName"):
            qualifier = {"name": _text(q), "major": q.get("MajorTopicYN") == "Y"}
            if qualifier["name"] and qualifier not in entry["qualifiers"]:
                entry["qualifiers"].append(qualifier)
    return list(by_descriptor.values())


def _updates(citation: Element, types: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    updated_by: list[dict[str, Any]] = []
    update_to: list[dict[str, Any]] = []
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        kind = cc.get("RefType", "")
        entry = {"type": None, "doi": None, "pmid": (cc.findtext("PMID") or "").strip() or None,
                 "source": "pubmed", "label": (cc.findtext("RefSource") or "").strip() or None, "date": None}
        if kind in _UPDATED_BY:
            updated_by.append({**entry, "type": _UPDATED_BY[kind]})
        elif kind in _UPDATE_TO:
            update_to.append({**entry, "type": _UPDATE_TO[kind]})
    if "Retracted Publication" in types and not any(u["type"] == "retraction" for u in updated_by):
        updated_by.append({"type": "retraction", "doi": None, "pmid": None, "source": "pubmed",
                           "label": "PubMed: Retracted Publication", "date": None})
    for pub_type, kind in _NOTICE_TYPES.items():
        if pub_type in types and not any(u["type"] == kind for u in update_to):
            update_to.append({"type": kind, "doi": None, "pmid": None, "source": "pubmed",
                              "label": f"PubMed: {pub_type}", "date": None})
    return updated_by, update_to


def work_from_pubmed(element: Element, origin: str = "pubmed") -> Work | None:
    """A :class:`Work` from one ``PubmedArticle`` element; None for anything else (a book record)."""
    citation = element.find("MedlineCitation")
    if citation is None:
        return None
    article = citation.find("Article")
    pmid = (citation.findtext("PMID") or "").strip() or None
    if article is None or not pmid:
        return None
    ids = {}
    for aid in element.findall("PubmedData/ArticleIdList/ArticleId"):  # not ReferenceList's ids
        kind, value = aid.get("IdType", ""), (aid.text or "").strip()
        if value and kind not in ids:
            ids[kind] = value
    elocations = {e.get("EIdType", ""): (e.text or "").strip() for e in article.findall("ELocationID")}
    doi = ids.get("doi") or elocations.get("doi") or None
    pmcid = ids.get("pmc") or None
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"

    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    year, month = _pub_date(issue.find("PubDate") if issue is not None else None)
    model = article.get("PubModel", "")
    electronic = [parse_year(d.findtext("Year")) for d in article.findall("ArticleDate")
                  if d.get("DateType", "Electronic") == "Electronic"]
    online_year = next((y for y in electronic if y), None)
    # PubDate is the print date for print-first models; for Electronic* it is the online date.
    print_year = year if model in ("Print", "Print-Electronic") else None
    if model.startswith("Electronic") and online_year is None:
        online_year = year

    pages = article.findtext("Pagination/MedlinePgn") or ""
    first_page, last_page = split_page_range(pages) if pages.strip() else (
        article.findtext("Pagination/StartPage"), article.findtext("Pagination/EndPage"))
    article_number = None
    if not first_page and elocations.get("pii"):
        article_number = first_page = elocations["pii"]  # e-only journals: "e0123456" is the locator

    types = [_text(t) for t in article.findall("PublicationTypeList/PublicationType")]
    updated_by, update_to = _updates(citation, types)
    short = (citation.findtext("MedlineJournalInfo/MedlineTA") or
             (journal.findtext("ISOAbbreviation") if journal is not None else None) or None)
    full = _text(journal.find("Title")) if journal is not None else ""
    issn = [(i.text or "").strip() for i in (journal.findall("ISSN") if journal is not None else [])]
    linking = citation.findtext("MedlineJournalInfo/ISSNLinking")
    vernacular = _title(article.find("VernacularTitle"))
    return Work(
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        title=_title(article.find("ArticleTitle")) or None,
        other_titles=[vernacular] if vernacular else [],
        authors=_authors(article),
        container_title=full or short,
        short_container_title=short,
        year=year,
        month=month,
        print_year=print_year,
        online_year=online_year if online_year != print_year else None,
        volume=(issue.findtext("Volume") or "").strip() or None if issue is not None else None,
        issue=(issue.findtext("Issue") or "").strip() or None if issue is not None else None,
        first_page=first_page or None,
        last_page=last_page or None,
        article_number=article_number,
        type="journal-article",
        issn=list(dict.fromkeys(i for i in [*issn, (linking or "").strip()] if i)),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        abstract=_abstract(article),
        updated_by=updated_by,
        update_to=update_to,
        mesh=_mesh(citation),
        origin=origin,
    )


def _open(source: str | Path | IO[bytes]) -> tuple[IO[bytes] | gzip.GzipFile,
                                                  list[IO[bytes] | gzip.GzipFile]]:
    """A binary stream of the XML (gunzipped when the bytes say gzip), and what to close after."""
    owned: list[IO[bytes] | gzip.GzipFile] = []
    if isinstance(source, (str, Path)):
        try:
            stream: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as err:
            raise RefkitError(f"cannot read {source}: {err.strerror or err}") from err
        owned.append(stream)
    else:
        stream = source
    if not hasattr(stream, "peek"):
        # typeshed wants a raw stream (with readinto) here; IO[bytes] does not declare one.
        stream = io.BufferedReader(stream)  # type: ignore[type-var]
    if stream.peek(2)[:2] == b"\x1f\x8b":
        unzipped = gzip.GzipFile(fileobj=stream)
        owned.insert(0, unzipped)
        return unzipped, owned
    return stream, owned


def iter_pubmed_works(source: str | Path | IO[bytes], origin: str = "pubmed") -> Iterator[Work]:
    """Every work in a ``PubmedArticleSet`` (a path or a binary file, gzipped or not), streamed:
    each record is dropped once read, so a 30,000-record baseline file takes little memory.

    A file that is not XML, or cut short, raises :class:`RefkitError` after the works before it.
    """
    stream, owned = _open(source)
    try:
        depth = 0
        root = None
        for event, element in iterparse(stream, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                depth += 1
                continue
            depth -= 1
            if element.tag in ("PubmedArticle", "PubmedBookArticle", "DeleteCitation") and depth == 1:
                if element.tag == "PubmedArticle":
                    work = work_from_pubmed(element, origin=origin)
                    if work is not None:
                        yield work
                root.clear()  # type: ignore[union-attr]  # drop what was read
    except Exception as err:
        if isinstance(err, RefkitError) or not _is_parse_error(err):
            raise
        name = getattr(source, "name", source)
        raise RefkitError(f"{name}: not readable as PubMed XML ({err})") from err
    finally:
        for handle in owned:
            handle.close()


def _is_parse_error(err: Exception) -> bool:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    return isinstance(err, (ParseError, DefusedXmlException, EOFError, gzip.BadGzipFile, OSError))


def works_from_xml(body: bytes, origin: str = "pubmed") -> list[Work]:
    """The works of one ``PubmedArticleSet`` held in memory (an efetch answer)."""
    return list(iter_pubmed_works(io.BytesIO(body), origin=origin))


# --- PubMed as a Source ---------------------------------------------------------------------------

def citation_line(ref: Reference) -> tuple[str, str, str, str, str] | None:
    """ECitMatch's fields for a reference (journal, year, volume, first page, first author
    ``Family I``), or None when it lacks the journal or both the volume and the page."""
    if not ref.journal or not (ref.volume or ref.first_page):
        return None
    author = ""
    if ref.authors and not ref.authors[0].group:
        first = ref.authors[0]
        initials = "".join(c for c in (first.given or "") if c.isupper())
        author = f"{first.family} {initials}".strip()
    return (ref.journal, str(ref.year or ""), ref.volume or "", ref.first_page or "", author)


DOI_BATCH = 50  # DOIs per pooled ESearch (the query stays a few kilobytes)
_TITLE_WORD = re.compile(r"[^\W_]{3,}")


def search_terms(ref: Reference) -> list[str]:
    """ESearch queries for a reference, most precise first: where it was printed (journal, volume,
    page), then its title words with the first author and year."""
    terms = []
    locator = []
    if ref.journal:
        locator.append(f'"{_clean(ref.journal)}"[ta]')
    if ref.volume:
        locator.append(f"{_clean(ref.volume)}[vi]")
    if ref.first_page:
        locator.append(f"{_clean(ref.first_page)}[pg]")
    if len(locator) == 3:
        terms.append(" AND ".join(locator))
    words = _TITLE_WORD.findall(ref.title or "")
    if words:
        parts = [" AND ".join(f"{w}[ti]" for w in dict.fromkeys(words))]
        if ref.authors and not ref.authors[0].group:
            parts.append(f'"{_clean(ref.authors[0].family)}"[1au]')
        if ref.year:
            parts.append(f"{ref.year - 1}:{ref.year + 1}[dp]")  # online a year before print
        terms.append(" AND ".join(parts))
    return terms


def _quoted(value: str) -> str:
    """A value to put between double quotes (a DOI keeps its brackets and parentheses)."""
    return " ".join(value.replace('"', " ").split())


def _clean(value: str) -> str:
    return " ".join(re.sub(r'["\[\]()|]', " ", value).split())


class PubMedSource:
    """PubMed as a :class:`~refkit.resolve.source.Source`, over an E-utilities client
    (:class:`refkit.resolve.pubmed.EutilsClient`, the one module that talks to NCBI).

    Every candidate is fetched as a full record, so the matcher validates a PMID on the same
    evidence as a DOI. :meth:`prepare` sends one batched ECitMatch for a whole article; later
    searches and DOI lookups for its references are answered from what it found.
    """

    name = "pubmed"
    local = False
    identifiers = frozenset(["doi", "pmid", "pmcid"])

    def __init__(self, client: Any) -> None:
        self.client = client
        self._citations: dict[tuple[str, ...], str | None] = {}  # ECitMatch answers of prepare()
        self._by_doi: dict[str, list[Work]] = {}  # works fetched by DOI (prepare, pooled lookups)
        self._cond = threading.Condition()
        self._pending: set[str] = set()  # DOIs waiting for the next pooled lookup
        self._batching = False
        self._failed: dict[str, SourceError] = {}

    @property
    def concurrency(self) -> int:
        return int(getattr(self.client, "concurrency", 1) or 1)

    def prepare(self, refs: Iterable[Reference]) -> None:
        """One ECitMatch request (per batch) for all of an article's references, one ESearch for
        the DOIs they print, and one EFetch for every PMID found. Never raises: what it could not
        ask is asked again reference by reference (where a failure is the reference's outcome)."""
        with contextlib.suppress(SourceError):
            self._prepare(list(refs))

    def _prepare(self, refs: list[Reference]) -> None:
        lines = list(dict.fromkeys(
            line for ref in refs if (line := citation_line(ref)) and line not in self._citations))
        if lines:
            found = self.client.ecitmatch({str(i): line for i, line in enumerate(lines)})
            for i, line in enumerate(lines):
                self._citations[line] = found.get(str(i))
        from refkit.resolve.pipeline import printed_doi

        dois = [d for ref in refs if (d := printed_doi(ref)) and d.lower() not in self._by_doi]
        pmids = [p for p in self._citations.values() if p]
        if dois:
            term = " OR ".join(f'"{_quoted(d)}"[doi]' for d in dois)
            pmids += self.client.esearch(term, retmax=len(dois) * 2)
        works = self.client.efetch(list(dict.fromkeys(pmids)))
        for work in works:
            if work.doi:
                self._by_doi.setdefault(work.doi.lower(), []).append(work)
        for doi in dois:
            self._by_doi.setdefault(doi.lower(), [])

    def lookup(self, *, doi: str | None = None, pmid: str | None = None,
               pmcid: str | None = None) -> list[Work]:
        # Each identifier given is asked: a printed PMID and DOI that name two works must both
        # come back, so that the resolver sees the disagreement.
        works: list[Work] = []
        if pmid:
            works += self.client.efetch([pmid])
        if doi:
            works += self._works_for_doi(doi)
        if pmcid:
            works += self.client.efetch(self.client.esearch(f"{_clean(pmcid.upper())}[pmcid]", retmax=5))
        return list({w.pmid: w for w in works}.values())

    def _works_for_doi(self, doi: str) -> list[Work]:
        """The works PubMed files under ``doi``. Lookups from the resolver's threads are pooled:
        one thread at a time sends an ESearch (``a[doi] OR b[doi] …``) and an EFetch for every
        DOI asked meanwhile, so a page of references costs a few requests, not two each."""
        key = doi.strip().lower()
        with self._cond:
            while True:
                if key in self._by_doi:
                    return list(self._by_doi[key])
                if key in self._failed:
                    raise self._failed.pop(key)
                if not self._batching:
                    self._batching = True
                    self._pending.discard(key)
                    batch = [key] + sorted(self._pending)[: DOI_BATCH - 1]
                    self._pending.difference_update(batch)
                    break
                self._pending.add(key)
                self._cond.wait()
        try:
            term = " OR ".join(f'"{_quoted(d)}"[doi]' for d in batch)
            found = self.client.efetch(self.client.esearch(term, retmax=2 * len(batch) + 5))
            with self._cond:
                for work in found:
                    if work.doi:
                        self._by_doi.setdefault(work.doi.lower(), []).append(work)
                for d in batch:
                    self._by_doi.setdefault(d, [])
        except SourceError as err:
            with self._cond:
                for d in batch:
                    self._failed[d] = err
        finally:
            with self._cond:
                self._batching = False
                self._cond.notify_all()
        return self._works_for_doi(doi)

    def search(self, ref: Reference, rows: int = 5) -> list[Work]:
        line = citation_line(ref)
        if line is not None:
            if line not in self._citations:
                self._citations[line] = self.client.ecitmatch({"ref": line}).get("ref")
            if self._citations[line]:
                cited: list[Work] = self.client.efetch([self._citations[line]])
                return cited
        for term in search_terms(ref):
            pmids: list[str] = self.client.esearch(term, retmax=rows)
            if pmids:
                found: list[Work] = self.client.efetch(pmids[:rows])
                return found
        return []

    def summary(self) -> str:
        return str(self.client.summary()) if hasattr(self.client, "summary") else ""

    def close(self) -> None:
        self.client.close()
