"""An NCBI E-utilities server over PubMed XML records, on loopback, speaking like NCBI does.

``ecitmatch.cgi`` (the batch citation matcher: ``journal|year|volume|first_page|author|key|``
lines, echoed with the PMID, ``NOT_FOUND``, ``NOT_FOUND;INVALID_JOURNAL`` or ``AMBIGUOUS``, as
plain text whatever ``retmode`` says), ``esearch.fcgi`` (field tags ``[ti]``, ``[au]``, ``[1au]``,
``[ta]``, ``[dp]``, ``[vi]``, ``[ip]``, ``[pg]``, ``[doi]``, ``[pmcid]``, ``[uid]``; AND / OR / NOT
and parentheses; the ``eSearchResult`` XML of tests/data/pubmed-samples/esearch*.xml) and
``efetch.fcgi`` (``db=pubmed&retmode=xml&id=…``: a ``PubmedArticleSet`` with NLM's DOCTYPE).

It *enforces* NCBI's limit: 3 requests in any second without ``api_key``, 10 with one; past it,
HTTP 429 with NCBI's JSON body (``{"error":"API rate limit exceeded",…}``), counted in
``throttled``. Faults (a 503, a 429) can be queued for the next requests.

Run one by hand::

    python -m support.eutils_server seeds/jkra-16-301.pubmed.xml --port 8081
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from support.crossref_server import tokens

XML_TYPE = "text/xml; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
JSON_TYPE = "application/json"
DOCTYPE_PUBMED = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
                  '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n')
DOCTYPE_ESEARCH = ('<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
                   'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n')


# --- the records --------------------------------------------------------------------------------
def _fold(text: str | None) -> str:
    words = tokens(text or "")
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass
class Record:
    """The fields of one PubmedArticle the server searches (read with its own parser, not refkit's)."""

    pmid: str
    xml: str
    title: list[str]
    abstract: set[str]
    authors: list[tuple[str, str]]  # (folded family name, initials lower-case)
    journals: set[str]
    year: int | None
    volume: str
    issue: str
    pages: set[str]
    doi: str | None
    pmcid: str | None

    @classmethod
    def parse(cls, xml: str) -> Record:
        root = ET.fromstring(xml)
        cit = root.find("MedlineCitation")
        art = cit.find("Article")
        journal = art.find("Journal")
        ids = {a.get("IdType"): (a.text or "").strip()
               for a in root.findall("PubmedData/ArticleIdList/ArticleId")}
        authors = []
        for a in art.findall("AuthorList/Author"):
            family = a.findtext("LastName") or a.findtext("CollectiveName") or ""
            authors.append((_fold(family), (a.findtext("Initials") or "").lower()))
        date = journal.find("JournalIssue/PubDate")
        year_text = (date.findtext("Year") or date.findtext("MedlineDate") or "") if date is not None else ""
        year = re.search(r"\d{4}", year_text)
        pgn = art.findtext("Pagination/MedlinePgn") or art.findtext("Pagination/StartPage") or ""
        first = re.split(r"[-,]", pgn)[0].strip().lower() if pgn else ""
        pages = {p for p in (first, pgn.strip().lower()) if p}
        pages |= {(e.text or "").strip().lower()
                  for e in art.findall("ELocationID") if e.get("EIdType") == "pii"}
        names = {journal.findtext("Title"), journal.findtext("ISOAbbreviation"),
                 cit.findtext("MedlineJournalInfo/MedlineTA")}
        pmc = ids.get("pmc")
        return cls(
            pmid=(cit.findtext("PMID") or "").strip(), xml=xml,
            title=tokens("".join(art.find("ArticleTitle").itertext())),
            abstract=set(tokens(" ".join("".join(t.itertext())
                                         for t in art.findall("Abstract/AbstractText")))),
            authors=authors, journals={_fold(n) for n in names if n},
            year=int(year.group()) if year else None,
            volume=(journal.findtext("JournalIssue/Volume") or "").strip().lower(),
            issue=(journal.findtext("JournalIssue/Issue") or "").strip().lower(),
            pages=pages, doi=(ids.get("doi") or "").lower() or None,
            pmcid=(pmc if pmc.upper().startswith("PMC") else f"PMC{pmc}").upper() if pmc else None,
        )


def split_articles(text: str) -> list[str]:
    """The ``<PubmedArticle>`` elements of a ``PubmedArticleSet`` document, as XML strings."""
    return re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, flags=re.DOTALL)


def load_articles(path: Path | str) -> list[str]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return split_articles(handle.read())


def _same_family(record: str, asked: str) -> bool:
    """PubMed files particles apart now and then ("Bruijn" for "de Bruijn"): the longer name may
    end with the shorter, at a word boundary."""
    short, long = sorted((record, asked), key=len)
    return bool(short) and (long == short or long.endswith(" " + short))


# --- ECitMatch and ESearch ----------------------------------------------------------------------
class PubMedIndex:
    def __init__(self, articles: Iterable[str]) -> None:
        self.records: dict[str, Record] = {}
        for xml in articles:
            record = Record.parse(xml)
            self.records[record.pmid] = record
        self.journals = {j for r in self.records.values() for j in r.journals}

    # ECitMatch: the journal must be one PubMed knows; every field given must agree.
    def citmatch(self, journal: str, year: str, volume: str, page: str, author: str) -> str:
        name = _fold(journal)
        if not name or name not in self.journals:
            return "NOT_FOUND;INVALID_JOURNAL"
        hits = [r for r in self.records.values() if name in r.journals
                and (not year.strip() or (r.year is not None and str(r.year) == year.strip()))
                and (not volume.strip() or r.volume == volume.strip().lower())
                and (not page.strip() or page.strip().lower() in r.pages)
                and (not author.strip() or self._author(r, author, first_only=True))]
        if len(hits) == 1:
            return hits[0].pmid
        return "AMBIGUOUS" if hits else "NOT_FOUND"

    @staticmethod
    def _author(record: Record, value: str, *, first_only: bool) -> bool:
        words = tokens(value)
        if not words:
            return False
        initials = words[-1] if len(words) > 1 and len(words[-1]) <= 3 else ""
        family = " ".join(words[:-1] if initials else words)
        people = record.authors[:1] if first_only else record.authors
        # A record without initials (the corpus's Crossref-derived ones) is matched by family name.
        return any(_same_family(f, family) and (not initials or not i or i.startswith(initials[0]))
                   for f, i in people)

    def search(self, term: str) -> set[str]:
        return _Query(term, self).parse()

    def match(self, record: Record, value: str, tag: str, phrase: bool) -> bool:
        tag = tag.lower()
        if tag in ("ti", "title", "tiab", "all", ""):
            words = tokens(value)
            fields = [record.title]
            if tag in ("tiab", "all", ""):
                fields.append(list(record.abstract))
            if tag in ("all", ""):
                fields.append([w for a in record.authors for w in a[0].split()])
                fields.append([w for j in record.journals for w in j.split()])
            if phrase and len(words) > 1 and tag in ("ti", "title"):
                n = len(words)
                return any(record.title[i:i + n] == words for i in range(len(record.title) - n + 1))
            return all(any(w in f for f in fields) for w in words)
        if tag in ("au", "author", "1au"):
            return self._author(record, value, first_only=tag == "1au")
        if tag in ("ta", "jour", "journal"):
            return _fold(value) in record.journals
        if tag in ("dp", "pdat"):
            span = re.findall(r"\d{4}", value)
            if not span or record.year is None:
                return False
            low, high = int(span[0]), int(span[-1])
            return low <= record.year <= high
        if tag in ("vi", "volume"):
            return record.volume == value.strip().lower()
        if tag in ("ip", "issue"):
            return record.issue == value.strip().lower()
        if tag in ("pg", "page"):
            return value.strip().lower() in record.pages
        if tag == "doi":
            return record.doi == value.strip().lower()
        if tag in ("pmcid", "pmc"):
            return record.pmcid == value.strip().upper()
        if tag in ("uid", "pmid"):
            return record.pmid == value.strip()
        raise ValueError(f"unknown field tag [{tag}]")


_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|\[[^\]]*\]|[^\s()\[\]"]+)')


class _Query:
    """A small PubMed query parser: ``a[ti] AND (b[au] OR "c d"[ta]) NOT e``."""

    def __init__(self, term: str, index: PubMedIndex) -> None:
        self.tokens = [t for t in _TOKEN.findall(term) if t.strip()]
        self.pos = 0
        self.index = index

    def parse(self) -> set[str]:
        result = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]!r}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or(self) -> set[str]:
        result = self._and()
        while self._peek() == "OR":
            self.pos += 1
            result = result | self._and()
        return result

    def _and(self) -> set[str]:
        result = self._unary()
        while (t := self._peek()) is not None and t != ")" and t != "OR":
            negate = t == "NOT"
            if t in ("AND", "NOT"):
                self.pos += 1
            other = self._unary()
            result = result - other if negate else result & other
        return result

    def _unary(self) -> set[str]:
        t = self._peek()
        if t == "(":
            self.pos += 1
            result = self._or()
            if self._peek() != ")":
                raise ValueError("unbalanced parentheses")
            self.pos += 1
            return result
        words: list[tuple[str, bool]] = []
        while (t := self._peek()) is not None and t not in ("(", ")", "AND", "OR", "NOT") \
                and not t.startswith("["):
            words.append((t.strip('"'), t.startswith('"')))
            self.pos += 1
        if not words:
            raise ValueError(f"expected a term at {t!r}")
        tag = ""
        if (t := self._peek()) is not None and t.startswith("["):
            tag = t.strip("[]").strip()
            self.pos += 1
        if tag.lower() in ("ti", "title", "tiab", "all", ""):
            values = [(w, p) for w, p in words]  # each word (or phrase) must be there
        else:
            values = [(" ".join(w for w, _ in words), any(p for _, p in words))]
        hits = set(self.index.records)
        for value, phrase in values:
            hits &= {pmid for pmid, r in self.index.records.items()
                     if self.index.match(r, value, tag, phrase)}
        return hits


# --- the server ---------------------------------------------------------------------------------
@dataclass
class RequestRecord:
    path: str
    params: dict[str, str]
    at: float = 0.0
    status: int = 0


@dataclass
class EutilsServer:
    """A loopback E-utilities over ``articles`` (PubmedArticle XML strings); a context manager.

    ``url`` is the base URL (``…/entrez/eutils``). Counters: ``requests``, ``throttled`` (429s
    for going over NCBI's limit), ``faults_sent``, ``max_per_second`` (the most requests one
    client started within a second, over-limit ones included); ``log`` holds every request.
    """

    articles: Iterable[str]
    limit_without_key: int = 3
    limit_with_key: int = 10
    latency: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    requests: int = 0
    throttled: int = 0
    faults_sent: int = 0
    max_per_second: int = 0
    log: list[RequestRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = PubMedIndex(self.articles)
        self._lock = threading.Lock()
        self._arrivals: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._faults: collections.deque[int] = collections.deque()
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.app = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils"

    def inject(self, *statuses: int) -> None:
        """Answer the next admitted requests with these HTTP statuses (503, 429…), one each."""
        with self._lock:
            self._faults.extend(statuses)

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = self.throttled = self.faults_sent = self.max_per_second = 0
            self.log = []
            self._arrivals.clear()

    def start(self) -> EutilsServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="eutils-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> EutilsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _arrive(self, record: RequestRecord, client: str) -> tuple[str | None, int | None]:
        """Count a request: (NCBI's 429 body when over the limit, else None; an injected status)."""
        now = record.at = time.monotonic()
        key = record.params.get("api_key") or client
        limit = self.limit_with_key if record.params.get("api_key") else self.limit_without_key
        with self._lock:
            self.requests += 1
            self.log.append(record)
            arrivals = self._arrivals[key]
            while arrivals and arrivals[0] <= now - 1.0:
                arrivals.popleft()
            arrivals.append(now)
            self.max_per_second = max(self.max_per_second, len(arrivals))
            if len(arrivals) > limit:
                self.throttled += 1
                body = {"error": "API rate limit exceeded", "api-key": key, "count": str(len(arrivals)),
                        "limit": str(limit)}
                return json.dumps(body, separators=(",", ":")), None
            fault = self._faults.popleft() if self._faults else None
            if fault:
                self.faults_sent += 1
            return None, fault

    def route(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        endpoint = path.rstrip("/").rsplit("/", 1)[-1]
        if endpoint == "ecitmatch.cgi":
            return self._ecitmatch(params)
        if endpoint == "esearch.fcgi":
            return self._esearch(params)
        if endpoint == "efetch.fcgi":
            return self._efetch(params)
        return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"

    def _ecitmatch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        out = []
        for line in re.split(r"[\r\n]+", params.get("bdata", "")):
            parts = line.split("|")
            if len(parts) < 6 or not line.strip():
                continue
            journal, year, volume, page, author, key = (p.strip() for p in parts[:6])
            answer = self.index.citmatch(journal, year, volume, page, author)
            out.append(f"{journal.lower()}|{year}|{volume}|{page}|{author.lower()}|{key}|{answer}")
        return 200, TEXT_TYPE, ("\n".join(out) + "\n").encode("utf-8")

    def _esearch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        term = params.get("term", "")
        try:
            hits = self.index.search(term) if term.strip() else set()
            error = ""
        except ValueError as err:
            hits, error = set(), f"<ErrorList><PhraseNotFound>{escape(str(err))}</PhraseNotFound></ErrorList>"
        retmax = int(params.get("retmax") or 20)
        retstart = int(params.get("retstart") or 0)
        ids = sorted(hits, key=int, reverse=True)[retstart:retstart + retmax]
        id_list = "".join(f"\n<Id>{i}</Id>" for i in ids)
        body = (f"{DOCTYPE_ESEARCH}<eSearchResult><Count>{len(hits)}</Count><RetMax>{len(ids)}</RetMax>"
                f"<RetStart>{retstart}</RetStart><IdList>{id_list}\n</IdList><TranslationSet/>{error}"
                f"<QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>\n")
        return 200, XML_TYPE, body.encode("utf-8")

    def _efetch(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        if params.get("db", "pubmed") != "pubmed":
            return 400, XML_TYPE, b"<eFetchResult><ERROR>Database is not supported</ERROR></eFetchResult>"
        ids = [i.strip() for i in params.get("id", "").split(",") if i.strip()]
        if not ids:
            return 400, XML_TYPE, b"<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>"
        found = [self.index.records[i].xml for i in dict.fromkeys(ids) if i in self.index.records]
        body = DOCTYPE_PUBMED + "<PubmedArticleSet>\n" + "\n".join(found) + "\n</PubmedArticleSet>\n"
        return 200, XML_TYPE, body.encode("utf-8")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    app: EutilsServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    timeout = 60
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self._handle(parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))

    def do_POST(self) -> None:  # noqa: N802 - NCBI takes the same parameters as a form
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
        self._handle(parts.path, {**dict(parse_qsl(parts.query, keep_blank_values=True)), **form})

    def _handle(self, path: str, params: dict[str, str]) -> None:
        app = self.server.app
        record = RequestRecord(path, params)
        over, fault = app._arrive(record, self.client_address[0])
        if over is not None:
            record.status = 429
            self._answer(429, JSON_TYPE, over.encode())
            return
        if fault:
            record.status = fault
            body = '{"error":"API rate limit exceeded"}' if fault == 429 else "Service unavailable"
            self._answer(fault, JSON_TYPE if fault == 429 else "text/html", body.encode())
            return
        status, content_type, body = app.route(path, params)
        if app.latency:
            time.sleep(app.latency)
        record.status = status
        self._answer(status, content_type, body)

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.eutils_server",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="PubmedArticleSet files (gzip ok)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    articles = [a for path in args.files for a in load_articles(path)]
    server = EutilsServer(articles, host=args.host, port=args.port)
    print(f"serving {len(server.index.records)} records at {server.url} (Ctrl-C stops)", file=sys.stderr)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
