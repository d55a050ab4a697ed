"""What the local catalog keeps of a work, and the terms it finds it by.

Shared by the catalog (search, write-through) and its import workers (processes that read and
prepare files while the main process writes), so a work is indexed the same way on both roads.

Terms, in one namespace each so a surname never collides with a title word:

- ``word``            a folded title word (every title the record gives: translations too);
- ``a:surname``       a folded word of one of the first authors' family names;
- ``ay:surname:year`` the first author with a year of the work: nearly a key;
- ``vp:volume:page``  volume and first page (or e-locator): nearly unique within a journal;
- ``avp:surname:volume:page`` the first author with volume and first page: a key that stays
  nearly unique at Crossref's size, where ``ay:`` of a common surname and ``vp:`` of small
  numbers each hold more works than a search reads (and robust to the year a reference prints
  being the online one or the print one).

A reference string yields the same terms: every word as a title word and as a surname, every
word with every year it prints, every two numbers in a row as volume and page, and its first
words (where every citation style puts the first author) with each of those pairs. Terms the
catalog does not hold cost one index probe and add nothing.

The catalog stores a term as its 64-bit hash (``term_hashes``), not as text: the import's
workers hash each distinct term of a file once, and the serial writer then merges integer
arrays in numpy without numbering or sorting strings.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from refkit.dates import YEAR_RE
from refkit.gc_pause import no_cycle_collection
from refkit.model import Reference, Work
from refkit.resolve.crossref_records import crossref_fields, work_from_crossref
from refkit.text import fold, fold_uncached

if TYPE_CHECKING:
    import numpy as np

# Words too common to select anything; dropping them keeps the term list short.
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
     "on", "or", "the", "to", "with", "et", "al", "vs", "via"]
)
_NUMBER = re.compile(r"[^\W_]*\d[^\W_]*")
AUTHORS_INDEXED = 10  # citations print up to six names (Vancouver), then "et al."
# The words of a reference string taken as its first author's surname for ``avp:`` keys: a
# citation begins with its authors in every style, surname first ("van de Lavoir MC",
# "Hser, Y.-I.") or initials first ("TM Kuukkanen"), so the surname is among its first words.
FIRST_AUTHOR_WORDS = 3

# zlib's preset dictionary of the records refkit stored deflated until records became text (see
# encode_work): the field names and common values of a compact Work. A catalog keeps the
# dictionary it was made with (``meta``), so its deflated records read whatever this string is.
ZDICT = (
    b'"publisher":"Elsevier BV","type":"journal-article","issn":["","url":"https://doi.org/10.'
    b'"other_titles":["subtitle":"","abstract":"","mesh":[{"descriptor":"","id":"D","qualifiers":[],'
    b'"major":false},"updated_by":[{"type":"correction","doi":"10.","source":"","label":"","date":"'
    b'"article_number":"","print_year":,"online_year":,"month":,"issue":"","first_page":"",'
    b'"last_page":"","volume":"","year":,"container_title":"Journal of the","short_container_title'
    b'":"J ","authors":[{"family":"","given":""},{"family":"","given":"'
    b'"origin":"catalog","pmid":"","pmcid":"PMC","title":"","doi":"10.'
)


def _words(text: str | None, fold: Callable[[Any], str] = fold) -> list[str]:
    # fold leaves letters and digits between single spaces, so its split is its words
    # (tests/test_text.py: the same as finding ``[^\W_]+`` in it).
    return [t for t in fold(text or "").split() if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def _key_part(value: Any) -> str:
    return fold(str(value)).replace(" ", "") if value not in (None, "") else ""


def work_terms(work: Work) -> list[str]:
    """The distinct terms a work is found by (see the module docstring)."""
    return _terms(work.title, work.subtitle, work.other_titles, [a.family for a in work.authors], work.years,
                  work.volume, work.first_page, work.article_number)


def fields_terms(d: dict[str, Any]) -> list[str]:
    """``work_terms`` of the Work these fields make (``Work.to_dict``'s shape, empty ones left out)."""
    years = sorted({y for y in (d.get("year"), d.get("print_year"), d.get("online_year")) if y})
    return _terms(d.get("title"), d.get("subtitle"), d.get("other_titles", ()),
                  [a["family"] for a in d.get("authors", ())], years,
                  d.get("volume"), d.get("first_page"), d.get("article_number"))


def _terms(title: str | None, subtitle: str | None, other_titles: Sequence[str], families: list[str],
           years: list[int], volume: str | None, first_page: str | None,
           article_number: str | None) -> list[str]:
    """The one term function of a work, whatever holds its fields."""
    # One fold for every title (fold is the costly step of an import).
    titles = (title, subtitle, *other_titles) if subtitle or other_titles else (title,)
    terms: dict[str, None] = dict.fromkeys(_words(" ".join(filter(None, titles)), fold_uncached))
    first_author: list[str] = []
    for n, family in enumerate(families[:AUTHORS_INDEXED]):
        for w in _words(family):
            terms["a:" + w] = None
            if n == 0:
                first_author.append(w)
                for y in years:
                    terms[f"ay:{w}:{y}"] = None
    volume_key = _key_part(volume)
    if volume_key:
        for page in {first_page, article_number}:
            key = _key_part(page)
            if key:
                terms[f"vp:{volume_key}:{key}"] = None
                for w in first_author:
                    terms[f"avp:{w}:{volume_key}:{key}"] = None
    return list(terms)


def query_terms(text: str, ref: Reference | None = None) -> list[str]:
    """The terms to look a reference up by: from its text, and from its parsed fields if any."""
    words = list(dict.fromkeys(_words(text)))
    folded = fold(text or "")
    years = {int(y) for y in YEAR_RE.findall(text or "")} if text else set()
    numbers = _NUMBER.findall(folded)
    terms: dict[str, None] = dict.fromkeys(words)
    terms.update(dict.fromkeys("a:" + w for w in words if not w.isdigit()))
    pairs = list(dict.fromkeys(zip(numbers, numbers[1:], strict=False)))
    first_author = [w for w in words if not w.isdigit()][:FIRST_AUTHOR_WORDS]
    if ref is not None:
        if ref.year:
            years.add(ref.year)
        for author in ref.authors[:1]:
            surname = _words(author.family)
            terms.update(dict.fromkeys(f"ay:{w}:{y}" for w in surname for y in years))
            first_author = list(dict.fromkeys(surname + first_author))
        if ref.volume and (ref.first_page or "").strip():
            pair = (_key_part(ref.volume), _key_part(ref.first_page))
            terms[f"vp:{pair[0]}:{pair[1]}"] = None
            pairs.insert(0, pair)
    # Any word with any printed year: the first author is one of the words.
    terms.update(dict.fromkeys(f"ay:{w}:{y}" for w in words if not w.isdigit() for y in years))
    for a, b in pairs:
        terms[f"vp:{a}:{b}"] = None
    terms.update(dict.fromkeys(f"avp:{w}:{a}:{b}" for w in first_author for a, b in pairs))
    return list(terms)


# -- terms as integers ---------------------------------------------------------------------
# A polynomial hash of each term's UTF-8 bytes modulo 2**64 (multiplier odd, so invertible),
# computed for all the terms of a file at once: with the bytes of every term in one buffer,
# prefix sums of byte * _MUL**-position give each term's hash from two of them, whatever its
# position (numpy's uint64 arithmetic wraps modulo 2**64 the same on every machine, so a hash
# is stable across processes, runs and platforms). The length is mixed in and splitmix64's
# finalizer spreads the bits. Python's ``hash`` is salted per process; hashlib's blake2b cost
# 1.5 µs a term here (~6 µs a record, ~19,000 distinct terms a file of 5,000 works), this
# ~0.3. Two terms with one hash share their postings: a search then meets a few more
# candidates, which the matcher checks against the reference as it does every candidate (at
# 2**64, a collision among a billion terms has a chance of ~3%).
_MUL = 0x9E3779B97F4A7C15
_MUL_INVERSE = pow(_MUL, -1, 1 << 64)
_LENGTH_MIX = 0xD6E8FEB86659FD93
_powers: tuple[Any, Any] | None = None  # _MUL ** k and _MUL ** -k for k below their length


def _power_tables(n: int) -> tuple[Any, Any]:
    global _powers
    import numpy as np

    if _powers is None or len(_powers[0]) < n:
        size = max(n, 1 << 18)
        with np.errstate(over="ignore"):
            up = np.cumprod(np.full(size, _MUL, dtype=np.uint64))
            down = np.cumprod(np.full(size, _MUL_INVERSE, dtype=np.uint64))
        one = np.ones(1, dtype=np.uint64)
        _powers = (np.concatenate([one, up[:-1]]), np.concatenate([one, down[:-1]]))
    return _powers


# Terms hashed in one buffer at most: the power tables (16 bytes a byte of it) stay a few MB
# even for one huge file (a file of 5,000 works has ~65,000 terms).
_HASH_CHUNK = 1 << 16


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    """Each term's stable signed 64-bit hash (SQLite's INTEGER), in the order given."""
    import numpy as np

    if len(terms) > _HASH_CHUNK:
        chunks = range(0, len(terms), _HASH_CHUNK)
        return np.concatenate([_term_hashes(terms[i:i + _HASH_CHUNK]) for i in chunks])
    return _term_hashes(terms)


def _term_hashes(terms: Sequence[str]) -> np.ndarray:
    import numpy as np

    if not terms:
        return np.zeros(0, dtype=np.int64)
    # No term holds a newline (fold leaves single spaces between words, keys none), so newlines
    # end them in one buffer.
    data = np.frombuffer(("\n".join(terms) + "\n").encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if len(ends) != len(terms):
        raise ValueError("a term holds a newline")
    up, down = _power_tables(len(data))
    starts = np.zeros(len(ends), dtype=np.intp)
    starts[1:] = ends[:-1] + 1
    with np.errstate(over="ignore"):
        sums = np.cumsum((data.astype(np.uint64) + np.uint64(1)) * down[:len(data)])
        before = np.where(starts > 0, sums[starts - 1], np.uint64(0))
        h = (sums[ends - 1] - before) * up[ends - 1]  # sum of byte * _MUL ** (its distance to the end)
        h[ends == starts] = 0  # an empty term: no bytes
        h += (ends - starts).astype(np.uint64) * np.uint64(_LENGTH_MIX)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    hashes: np.ndarray = h.view(np.int64)
    return hashes


# -- stored records -----------------------------------------------------------------------
def dump_work(work: Work) -> str:
    """Compact JSON of a work: no empty fields (orjson: a tenth of ``json.dumps``'s time)."""
    d = {k: v for k, v in vars(work).items() if v is not None and v != "" and v != []}
    if work.authors:
        d["authors"] = [a.to_dict() for a in work.authors]
    try:
        return orjson.dumps(d).decode("utf-8")
    except orjson.JSONEncodeError:  # what orjson refuses and json takes (an integer past 64 bits)
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


# Records are stored as this JSON text, not deflated: deflate cost 8-12 µs a record on this
# machine even from a primed 2 KB compressor (a small stream's Huffman trees are the cost, not
# its bytes), a fifth of what an import may spend on a work at 30,000 a second, for ~210 bytes a
# record (1M records: ~410 → ~620 bytes, inside the 800 budget). Records deflated with the
# catalog's preset dictionary (``meta.zdict``; every catalog written before) still read.
encode_work = dump_work


def decode_work(blob: bytes | str, zdict: bytes) -> Work:
    if isinstance(blob, str):  # a record written as text (every record since 0.1: see encode_work)
        return Work.from_dict(json.loads(blob))
    unpacker = zlib.decompressobj(-15, zdict)
    return Work.from_dict(json.loads(unpacker.decompress(blob) + unpacker.flush()))


# -- reading files ----------------------------------------------------------------------
def is_pubmed_xml(head: bytes) -> bool:
    """PubMed's XML (``PubmedArticleSet``, baseline files and efetch answers) rather than JSON."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_works(path: Path) -> Iterator[Work]:
    """Works from one file: Crossref JSON lines, an API envelope (work or list), the public data
    file's ``{"items": [...]}``, or PubMed XML; gzipped or not. Memory is one file's JSON at most
    (one public data file), PubMed XML streams."""
    for item in _read_items(path):
        yield item if isinstance(item, Work) else work_from_crossref(item, origin="catalog")


def _read_items(path: Path) -> Iterator[Work | dict[str, Any]]:
    """PubMed's works, or Crossref's records as they are (``read_works`` makes them Works)."""
    with open(path, "rb") as raw:
        fh: Any = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        if is_pubmed_xml(fh.peek(256)[:256]):
            from refkit.resolve.pubmed_records import iter_pubmed_works  # only when PubMed XML comes

            yield from iter_pubmed_works(fh)
            return
        yield from read_records_from(fh)


def read_records_from(fh: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Crossref records from JSON lines, an API envelope (work or work list) or an items file."""
    first = fh.readline()
    rest_is_lines = False
    stripped = first.strip()
    if stripped:
        try:
            doc = json.loads(stripped)
            rest_is_lines = True  # a whole JSON document on the first line: JSON lines (or one line)
        except json.JSONDecodeError:
            doc = None
    if not rest_is_lines:
        # One (pretty-printed) JSON document: an envelope, an items file, a list, or one work.
        text = first + fh.read()
        if not text.strip():
            return
        try:
            yield from _works_in(json.loads(text))
            return
        except json.JSONDecodeError:
            pass
        lines = text.decode("utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield from _works_in(json.loads(line))
                except json.JSONDecodeError as err:
                    raise json.JSONDecodeError(f"line {n}: {err.msg}", err.doc, err.pos) from err
        return
    yield from _works_in(doc)
    for n, raw_line in enumerate(fh, 2):
        if raw_line.strip():
            try:
                yield from _works_in(json.loads(raw_line))
            except json.JSONDecodeError as err:
                raise json.JSONDecodeError(f"line {n}: {err.msg}", err.doc, err.pos) from err


def _works_in(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _works_in(item)
    elif isinstance(doc, dict):
        if "message" in doc and isinstance(doc["message"], dict):  # API envelope
            yield from _works_in(doc["message"])
        elif isinstance(doc.get("items"), list):  # work list message or public data file
            yield from _works_in(doc["items"])
        elif doc.get("DOI"):
            yield doc


Prepared = tuple[str | None, str | None, str | None, str, list[str]]


def prepare(work: Work) -> Prepared | None:
    """What the writer needs of one work: its identifiers, its stored record and its terms."""
    doi = (work.doi or "").strip().lower() or None
    pmid = (work.pmid or "").strip() or None
    pmcid = (work.pmcid or "").strip().upper() or None
    if not doi and not pmid:
        return None
    return doi, pmid, pmcid, encode_work(work), work_terms(work)


def prepare_record(record: dict[str, Any]) -> Prepared | None:
    """``prepare(work_from_crossref(record, origin="catalog"))`` without the Work: the same
    identifiers, a record that decodes to the same Work, the same terms
    (tests/test_catalog.py compares the two roads on every corpus record)."""
    d = crossref_fields(record, origin="catalog")
    doi = d.get("doi", "").lower() or None  # crossref_fields strips it
    if not doi:
        return None
    try:
        text = orjson.dumps(d).decode("utf-8")
    except orjson.JSONEncodeError:  # as in dump_work
        text = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    return doi, None, None, text, fields_terms(d)


@dataclass
class PreparedBatch:
    """Works ready for the writer, column by column, with their postings already grouped by
    term. Import workers make one a file, so the serial writer handles each distinct term of a
    file once (a few a work) rather than each term of each work (a dozen), and the pickle between
    the processes is a few lists and byte strings rather than a tuple a work."""

    dois: list[str | None]
    pmids: list[str | None]
    pmcids: list[str | None]
    records: list[str]  # compact Work JSON
    terms: bytes  # int64 (machine order): the distinct terms of the batch, hashed (term_hashes)
    counts: bytes  # uint32 (machine order): how many works each term has
    positions: bytes  # uint32 (machine order): the works' positions in the batch, term by term

    def __len__(self) -> int:
        return len(self.records)


def group(prepared: list[Prepared]) -> PreparedBatch:
    """One batch of prepared works: identifiers and records in columns, postings by term
    (each term's positions ascending, as the writer's ids must be). In numpy: every term of
    every work hashed at once and sorted by hash (stably, so positions stay ascending), which
    took half the time of grouping the strings in a dict and hashing its keys."""
    import numpy as np

    dois, pmids, pmcids, records, term_lists = zip(*prepared, strict=True) if prepared else ((),) * 5
    counts = np.fromiter(map(len, term_lists), dtype=np.intp, count=len(term_lists))
    hashes = term_hashes(list(itertools.chain.from_iterable(term_lists)))
    order = np.argsort(hashes, kind="stable")
    hashes = hashes[order]
    positions = np.repeat(np.arange(len(term_lists), dtype=np.uint32), counts)[order]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1]))) if len(hashes) else order
    sizes = np.diff(np.append(starts, len(hashes)))  # each distinct term's number of works
    return PreparedBatch(
        dois=list(dois), pmids=list(pmids), pmcids=list(pmcids), records=list(records),
        terms=hashes[starts].tobytes(), counts=sizes.astype(np.uint32).tobytes(),
        positions=positions.tobytes(),
    )


def prepare_file(path: str) -> tuple[str, PreparedBatch | None, str | None]:
    """An import worker's job: one file read and prepared, or the one-line reason it cannot be."""
    try:
        with no_cycle_collection():
            prepared = (prepare(item) if isinstance(item, Work) else prepare_record(item)
                        for item in _read_items(Path(path)))
            out = group([p for p in prepared if p is not None])
    except UnicodeDecodeError:
        return path, None, f"cannot read works from {path}: not UTF-8 JSON (a binary file?)"
    except json.JSONDecodeError as err:
        return path, None, f"cannot read works from {path}: not JSON ({err.msg})"
    except (OSError, EOFError, zlib.error) as err:
        return path, None, f"cannot read works from {path}: {err}"
    except Exception as err:  # a malformed PubMed file: said, not a traceback from a worker
        return path, None, f"cannot read works from {path}: {type(err).__name__}: {err}"
    return path, out, None
