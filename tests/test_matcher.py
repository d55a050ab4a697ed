"""The validating matcher: near misses rejected, real deposit quirks accepted, evidence explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refkit.model import Author, Reference
from refkit.resolve.matcher import abbreviates, normalize, validate, validate_candidate
from refkit.resolve.pipeline import Resolver

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
THRESHOLD = 0.8


def record(
    doi: str,
    title: str,
    family: str = "Okafor",
    journal: str = "J Clin Synth",
    year: int = 2004,
    volume: str | None = "12",
    page: str | None = "341-349",
    **extra,
) -> dict:
    r = {
        "DOI": f"10.5555/{doi}",
        "type": "journal-article",
        "title": [title],
        "author": [{"family": family, "given": "B", "sequence": "first"}],
        "container-title": [journal],
        "short-container-title": [journal],
        "issued": {"date-parts": [[year]]},
    }
    if volume:
        r["volume"] = volume
    if page:
        r["page"] = page
    r.update(extra)
    return r


TITLE = "Hepatic sarcoidosis mimicking metastatic carcinoma in a young adult"
REF = Reference(raw=f"Okafor B, Lindqvist K, Mbeki T. {TITLE}. J Clin Synth. 2004;12:341-9.", n=1)
CITED = record("m.1", TITLE)


class Source:
    """An in-memory source: search returns every record (ranking is the matcher's job)."""

    name = "memory"

    def __init__(self, records: list[dict]) -> None:
        self.records = records

    def search(self, query: str, rows: int = 5) -> list[dict]:
        return self.records

    def lookup(self, doi: str) -> dict | None:
        return next((r for r in self.records if r["DOI"].lower() == doi.lower()), None)


def confidence(ref: Reference, rec: dict) -> float:
    return validate_candidate(ref, rec)[0]


def test_the_cited_work_validates_with_evidence_per_field() -> None:
    conf, evidence, flags = validate_candidate(REF, CITED)
    assert conf >= 0.99 and flags == []
    for name in ("title", "author", "year", "volume", "page", "journal"):
        assert set(evidence[name]) == {"cited", "record", "score", "verdict"}
        assert evidence[name]["verdict"] == "match", name


@pytest.mark.parametrize(
    "notice",
    [
        record("corr.1", f"Erratum: {TITLE}", page="999", update_to=None),
        record("corr.2", f"Correction: {TITLE}", page="1001"),
        record("corr.3", f"Corrigendum to: {TITLE}", page="341"),
        record("corr.4", TITLE, page="341", **{"update-to": [{"DOI": "10.5555/m.1", "type": "correction"}]}),
    ],
)
def test_correction_notices_are_not_the_paper(notice: dict) -> None:
    notice.pop("update_to", None)
    v = validate(REF, notice)
    assert v.veto and v.confidence < THRESHOLD
    # ... and the paper still wins when both are candidates
    resolved = Resolver([Source([notice, CITED])]).resolve(Reference(raw=REF.raw, n=1))
    assert resolved.match.status == "matched" and resolved.match.doi == "10.5555/m.1"


def test_a_reference_citing_an_erratum_may_match_it() -> None:
    notice = record("corr.5", f"Erratum to: {TITLE}", page="999")
    ref = Reference(raw=f"Okafor B. Erratum to: {TITLE}. J Clin Synth. 2004;12:999.")
    assert confidence(ref, notice) >= THRESHOLD


def test_other_part_of_a_two_part_paper_is_rejected() -> None:
    works = [json.loads(line) for line in (SEEDS / "jkra-16-301.works.jsonl").read_text().splitlines()]
    first = next(w for w in works if "First of Two Parts" in w["title"][0])
    second = next(w for w in works if "Second of Two Parts" in w["title"][0])
    ref = Reference(
        raw="Bohan A, Peter JB. Polymyositis and dermatomyositis (second of two parts). "
        "N Engl J Med. 1975; 292:403–7."
    )
    assert validate(ref, first).veto and confidence(ref, first) < 0.01
    assert confidence(ref, second) >= 0.99
    part_one = Reference(raw="Smith J. Lupus nephritis, part I. Kidney Synth. 2001;3:1-9.")
    part_two = record(
        "p.2",
        "Lupus nephritis, part II",
        family="Smith",
        journal="Kidney Synth",
        year=2001,
        volume="3",
        page="1-9",
    )
    assert validate(part_one, part_two).veto


def test_another_article_in_the_same_issue_is_rejected() -> None:
    neighbour = record(
        "nbr.1", "Renal vein thrombosis after nephrotic relapse", family="Tanaka", page="350-358"
    )
    assert confidence(REF, neighbour) < 0.01


def test_another_paper_by_the_same_first_author_in_the_same_journal_is_rejected() -> None:
    sibling = record(
        "sib.1", "Hepatic sarcoidosis: response to methotrexate", year=2006, volume="14", page="77-80"
    )
    assert confidence(REF, sibling) < 0.05


def test_same_title_by_other_authors_elsewhere_is_rejected() -> None:
    twin = record("twin.1", TITLE, family="Garcia", journal="Acta Synth", year=1998, volume="40", page="9-12")
    assert confidence(REF, twin) < 0.01
    # ... even when the twin's record lacks volume and pages
    bare = record("twin.2", TITLE, family="Garcia", journal="Acta Synth", year=1998, volume=None, page=None)
    assert confidence(REF, bare) < 0.05


def test_same_title_and_author_but_other_pages_and_volume_is_rejected() -> None:
    near = record("near.1", TITLE, journal="Other Synth", year=2004, volume="45", page="654")
    assert confidence(REF, near) < THRESHOLD


def test_year_one_off_needs_other_support() -> None:
    online_first = record("early.1", TITLE, year=2003)
    assert confidence(REF, online_first) >= THRESHOLD
    assert validate(REF, online_first).evidence["year"]["verdict"] == "close"
    unsupported = record(
        "early.2", TITLE, family="Garcia", journal="Acta Synth", year=2003, volume=None, page=None
    )
    assert confidence(REF, unsupported) < THRESHOLD


def test_deposit_quirks_are_accepted() -> None:
    quirks = [
        record("q.1", TITLE.upper()),
        record("q.2", TITLE.title()),
        record("q.3", "Hepatic sarcoidosis mimicking <i>metastatic</i> carcinoma in a young adult"),
        record("q.4", "Hepatic sarcoidosis mimicking metastatic carcinoma", subtitle=["in a young adult"]),
        record("q.5", TITLE + ": a case report and review of the literature"),
        record("q.6", TITLE, family="OKAFOR", volume=None, page=None),
        record("q.7", TITLE, journal="Journal of Clinical Synthesis"),
    ]
    for rec in quirks:
        assert confidence(REF, rec) >= THRESHOLD, rec["DOI"]


def test_accents_and_particles_in_family_names() -> None:
    ref = Reference(raw=f"Senécal JL, de Bruijn JD. {TITLE}. J Clin Synth. 2004;12:341-9.")
    assert confidence(ref, record("a.1", TITLE, family="Senecal")) >= THRESHOLD
    ref2 = Reference(
        raw=f"de Bruijn JD, Senécal JL. {TITLE}. J Clin Synth. 2004;12:341-9.",
        authors=[Author("Bruijn", "JD")],
    )
    assert validate(ref2, record("a.2", TITLE, family="de Bruijn")).evidence["author"]["verdict"] == "match"


def test_retractions_are_flagged_and_the_prefix_does_not_stop_the_match() -> None:
    renamed = record("r.1", f"RETRACTED: {TITLE}")
    conf, _, flags = validate_candidate(REF, renamed)
    assert conf >= THRESHOLD and "retracted-title" in flags
    updated = record(
        "r.2",
        TITLE,
        **{
            "updated-by": [
                {
                    "DOI": "10.5555/r.notice",
                    "type": "retraction",
                    "source": "retraction-watch",
                    "label": "Retraction",
                }
            ]
        },
    )
    ref = Resolver([Source([updated])]).resolve(Reference(raw=REF.raw, n=1))
    assert ref.match.status == "matched" and "retracted" in validate(REF, updated).flags
    assert ref.updates[0]["type"] == "retraction" and ref.updates[0]["source"] == "retraction-watch"
    notice = record(
        "r.notice",
        f"Retraction notice: {TITLE}",
        page="1",
        **{"update-to": [{"DOI": "10.5555/r.2", "type": "retraction"}]},
    )
    assert validate(REF, notice).veto


def test_e_locator_and_expanded_page_ranges() -> None:
    ref = Reference(raw=f"Okafor B. {TITLE}. PLoS Synth. 2004;12:e1002341.")
    rec = record("e.1", TITLE, journal="PLoS Synth", page=None, **{"article-number": "e1002341"})
    assert validate(ref, rec).evidence["page"]["verdict"] == "match"


def test_ties_are_ambiguous_and_every_outcome_has_a_reason() -> None:
    twin_deposit = dict(CITED, DOI="10.5555/m.duplicate")
    ref = Resolver([Source([CITED, twin_deposit])]).resolve(Reference(raw=REF.raw, n=1))
    assert ref.match.status == "ambiguous" and ref.match.doi is None and ref.match.reason
    ref = Resolver(
        [Source([record("x.1", "Unrelated paper on soil bacteria", family="Zed", year=1980)])]
    ).resolve(Reference(raw=REF.raw, n=1))
    assert ref.match.status == "unmatched" and ref.match.reason.startswith(
        "no record found that agrees; nearest 10.5555/x.1"
    )
    ref = Resolver([Source([])]).resolve(Reference(raw=REF.raw, n=1))
    assert ref.match.status == "unmatched" and ref.match.reason == "no candidate found"


def test_printed_doi_is_verified_not_trusted() -> None:
    other = record("wrong.1", "Unrelated paper on soil bacteria", family="Zed", year=1980)
    ref = Reference(raw=f"{REF.raw} doi:10.5555/wrong.1", n=1)
    resolved = Resolver([Source([other, CITED])]).resolve(ref)
    assert resolved.match.doi == "10.5555/m.1"
    assert "10.5555/wrong.1 does not fit" in resolved.match.reason
    ref = Reference(raw=f"{REF.raw} doi: 10.5555/ m.1.", n=1)  # a space left by PDF extraction
    resolved = Resolver([Source([CITED])]).resolve(ref)
    assert resolved.match.doi == "10.5555/m.1" and resolved.match.evidence["doi"]["verdict"] == "match"


def test_discrepancies_list_what_editors_should_fix() -> None:
    rec = record("d.1", TITLE, year=2003, page="340-349")
    ref = Reference(
        raw=REF.raw.replace("341-9", "340-9"),
        n=1,
        title=TITLE.replace("young", "younger"),
        year=2004,
        volume="12",
        first_page="340",
        last_page="349",
        authors=[Author("Okafr", "B")],
    )
    resolved = Resolver([Source([rec])]).resolve(ref)
    assert resolved.match.status == "matched"
    fields = {d["field"]: d for d in resolved.discrepancies}
    assert fields["year"] == {"field": "year", "cited": 2004, "record": 2003}
    assert "title" in fields and fields["title"]["extra_words"] == ["younger"]
    assert fields["author"]["record"] == "Okafor"


def test_journal_abbreviations() -> None:
    assert abbreviates(
        normalize("J Am Acad Dermatol"), normalize("Journal of the American Academy of Dermatology")
    )
    assert abbreviates(normalize("Ann Intern Med"), normalize("Annals of Internal Medicine"))
    assert not abbreviates(normalize("Ann Surg"), normalize("Annals of Internal Medicine"))


def test_translated_title_and_swapped_names_in_the_deposit() -> None:
    translated = record("t.1", "Sarcoïdose hépatique simulant un carcinome métastatique", family="Okafor")
    translated["title"].append(TITLE)
    assert validate(REF, translated).evidence["title"]["verdict"] == "match"
    swapped = record("s.1", TITLE, family="Bartholomew")
    swapped["author"][0]["given"] = "Okafor"
    assert validate(REF, swapped).evidence["author"]["verdict"] == "close"
    assert confidence(REF, swapped) >= THRESHOLD
