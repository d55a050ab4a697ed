"""The reference parser on citation styles: the forms of issue 10, and whole rendered style sets.

``styles.jsonl`` (41 styles rendered by citeproc-js) is the development set; ``heldout.jsonl``
(16 other styles, rendered by ``scripts/render_styles.py`` with citeproc-py) and ``heldout2.jsonl``
(16 styles drawn at random, rendered with citeproc-js), ``heldout3.jsonl`` and ``heldout4.jsonl``
(14 and 17 more drawn at random from the CSL repository, citeproc-js) measure styles the parser's
rules were not first written for; heldout3 and heldout4 were read in round 2 and are development data
now, ``heldout5.jsonl`` (18 more, seed 17) is the one never read. Floors sit just under what
``bench/score_styles.py`` prints.
"""

from __future__ import annotations

import unicodedata

import pytest
from support.paths import CORPUS
from support.styles import ALL, FIELDS, load_styles, score_styles

from refkit.pages import split_glued_volume
from refkit.parse.reference import parse_reference

SEED = "Polymyositis and dermatomyositis"
# (string, first author, title, journal, year, volume, issue, first page, last page)
FORMS = [
    # a style without titles (ACS, RSC, physics)
    (
        "M. C. Dalakas and R. Hohlfeld, Lancet, 2003, 362, 971–982.",
        "Dalakas",
        None,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # the year after the volume, in brackets, before the pages (Elsevier)
    (
        f"Dalakas MC, Hohlfeld R. {SEED}, Lancet 362 (2003) 971–982",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # v./p./n° markers
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet, v.362, p.971-982, 2003.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet, v. 362, n° 9388, p. 971-982, 2003.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        "9388",
        "971",
        "982",
    ),
    # semicolons between volume and pages
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003; 362; 971-982.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # authors without commas
    (
        f"Dalakas M.C. Hohlfeld R. Plotz P.H. & Miller F.W. 2003: {SEED}. Lancet 362: 971-982.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # MLA and Chicago
    (
        f"Dalakas, Marinos C., and Reinhard Hohlfeld. “{SEED}.” The Lancet, vol. 362, no. 9388, Sept. 2003, "
        "pp. 971–82.",
        "Dalakas",
        SEED,
        "The Lancet",
        2003,
        "362",
        "9388",
        "971",
        "982",
    ),
    (
        f'Dalakas, Marinos C., and Reinhard Hohlfeld. "{SEED}." Lancet 362, no. 9388 (2003): 971–82.',
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        "9388",
        "971",
        "982",
    ),
    # IEEE
    (
        f"M. C. Dalakas and R. Hohlfeld, “{SEED},” Lancet, vol. 362, no. 9388, pp. 971–982, 2003.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        "9388",
        "971",
        "982",
    ),
    # a citation number and a plain space
    (
        f"8 Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003;362:971-82.",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # decomposed accents
    (
        unicodedata.normalize("NFD", f"Senécal JL, Hohlfeld R. {SEED}. Lancet 2003;362:971-82."),
        "Senécal",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # PubMed export without punctuation
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet. 2003 362(9388) 971-82",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        "9388",
        "971",
        "982",
    ),
    # trailing notes with numbers
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003;362:971-82. IF: 5,895",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003;362:971-82. Retrieved January 22, 2010",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # abbreviated lettered ranges
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. PLoS One 2003;362:e101-9.",
        "Dalakas",
        SEED,
        "PLoS One",
        2003,
        "362",
        None,
        "e101",
        "e109",
    ),
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Ann Rheum Dis 2003;362:S12-19.",
        "Dalakas",
        SEED,
        "Ann Rheum Dis",
        2003,
        "362",
        None,
        "S12",
        "S19",
    ),
    # a volume and no pages
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet, 362.",
        "Dalakas",
        SEED,
        "Lancet",
        None,
        "362",
        None,
        None,
        None,
    ),
    # the year at the end
    (
        f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 362: 971-982, 2003",
        "Dalakas",
        SEED,
        "Lancet",
        2003,
        "362",
        None,
        "971",
        "982",
    ),
    # a title that starts with a year
    (
        "Lundberg IE, Tjärnlund A. 2017 European League Against Rheumatism classification criteria. "
        "Ann Rheum Dis 2017;76:1955-64.",
        "Lundberg",
        "2017 European League Against Rheumatism classification criteria",
        "Ann Rheum Dis",
        2017,
        "76",
        None,
        "1955",
        "1964",
    ),
    # no punctuation between title and journal; a volume and one page apart by spaces
    (
        "Carr E, Kondziolka RW: Abnormal immune response of mice to ocular infection "
        "J Gen Virol 2006;87:489–499",
        "Carr",
        "Abnormal immune response of mice to ocular infection",
        "J Gen Virol",
        2006,
        "87",
        None,
        "489",
        "499",
    ),
    (
        "Renard M & Meguid P 2007 NITPICK: peak identification for mass spectrometry data. "
        "BMC Bioinformatics 9 355.",
        "Renard",
        "NITPICK: peak identification for mass spectrometry data",
        "BMC Bioinformatics",
        2007,
        "9",
        None,
        "355",
        None,
    ),
    (
        "Fehrman F, Weary T: CONCENTRATIONS OF VITAMIN C IN PATIENTS TREATED WITH HEMODIALYSIS "
        "Scand J Urol Nephrol 2008;42:74–80",
        "Fehrman", "CONCENTRATIONS OF VITAMIN C IN PATIENTS TREATED WITH HEMODIALYSIS",
        "Scand J Urol Nephrol", 2008, "42", None, "74", "80",
    ),
    # a journal and no source block; title and journal apart by a comma (physics)
    (
        "Cools, K. (2009). Striatal dopamine predicts outcome-specific reversal learning. J Neurosci.",
        "Cools",
        "Striatal dopamine predicts outcome-specific reversal learning",
        "J Neurosci",
        2009,
        None,
        None,
        None,
        None,
    ),
    (
        "T. Lu and G. R. Heaton, Trends in fertility and family planning practice, "
        "Studies in Family Planning 12, "
        "211 (1981).",
        "Lu",
        "Trends in fertility and family planning practice",
        "Studies in Family Planning",
        1981,
        "12",
        None,
        "211",
        None,
    ),
    # ACM: the date between volume and pages
    (
        "Shi, F. et al. 2004. Histone demethylation mediated by the nuclear amine oxidase homolog LSD1. "
        "Cell. 119, "
        "(2004), 941–953.",
        "Shi",
        "Histone demethylation mediated by the nuclear amine oxidase homolog LSD1",
        "Cell",
        2004,
        "119",
        None,
        "941",
        "953",
    ),
]


@pytest.mark.parametrize(
    ("raw", "author", "title", "journal", "year", "volume", "issue", "first", "last"), FORMS
)
def test_style_forms(raw, author, title, journal, year, volume, issue, first, last):
    ref = parse_reference(raw)
    got = (
        ref.authors[0].family if ref.authors else None,
        ref.title,
        ref.journal,
        ref.year,
        ref.volume,
        ref.issue,
        ref.first_page,
        ref.last_page,
    )
    assert got == (author, title, journal, year, volume, issue, first, last)


def test_authors_without_commas_are_all_read_and_a_title_word_is_not_a_name():
    ref = parse_reference(
        f"Dalakas M.C. Hohlfeld R. Plotz P.H. & Miller F.W. 2003: {SEED}. Lancet 362: 971-982."
    )
    assert [a.family for a in ref.authors] == ["Dalakas", "Hohlfeld", "Plotz", "Miller"]
    ref = parse_reference("Smith J. Vitamin D. Lancet 2003;362:971-82.")
    assert [a.family for a in ref.authors] == ["Smith"]
    assert ref.title == "Vitamin D"


@pytest.mark.parametrize(
    ("run", "last", "split"),
    [
        ("130535", "547", ("130", "535")),  # a full range: the first page has the last page's length
        ("44987", "1006", ("44", "987")),  # a shorter first page when the longer one would pass the last
        ("1891143", "1155", ("189", "1143")),
        ("119", "21", ("1", "19")),
        ("535", "547", None),  # no longer than the last page: a plain range
        ("9000", "547", None),  # no tail fits: no first page starts with 0
    ],
)
def test_a_volume_run_into_its_first_page_is_split_by_the_range_shape(run, last, split):
    assert split_glued_volume(run, last) == split


def test_run_together_fields_are_read():
    # a bold volume printed against its first page, after the journal or after the year
    ref = parse_reference(f"Dalakas MC, Hohlfeld R. {SEED}. Lancet. 362971–982.")
    assert (ref.journal, ref.volume, ref.first_page, ref.last_page) == ("Lancet", "362", "971", "982")
    ref = parse_reference(f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003;3621971–1982.")
    assert (ref.year, ref.volume, ref.first_page, ref.last_page) == (2003, "362", "1971", "1982")
    # a volume with pages printed apart keeps its reading; a Vancouver abbreviated range too
    ref = parse_reference(f"Dalakas MC, Hohlfeld R. {SEED}. Lancet 2003;362:971-82.")
    assert (ref.volume, ref.first_page, ref.last_page) == ("362", "971", "982")
    # a year run into the last name (or an initial) before it
    ref = parse_reference(f"Dalakas, M. C., and R. Hohlfeld2003 “{SEED}.” Lancet 362: 971–982")
    assert [a.family for a in ref.authors] == ["Dalakas", "Hohlfeld"]
    assert (ref.year, ref.title) == (2003, SEED)
    ref = parse_reference(f"Dalakas, M.2003 “{SEED}.” Lancet 362: 971–982")
    assert [a.family for a in ref.authors] == ["Dalakas"] and ref.year == 2003 and ref.title == SEED
    # not a title's word: "in the year2000" stays as printed
    ref = parse_reference("Dalakas MC. Lands in the year2000. Lancet 2003;362:971-82.")
    assert ref.title == "Lands in the year2000"


# (file, overall floor per field, all-fields floor, styles with all fields right >= 0.95;
#  per-style floor per field and all-fields, for those styles)
SETS = [
    ("styles.jsonl", 0.995, 0.995, 41, 0.96),
    ("heldout.jsonl", 0.99, 0.985, 16, 0.95),
    # 16 more styles drawn at random, rendered by citeproc-js; two print fields run together
    # ("Surh2004", "Brain. 130535–547"): 0.872 before the split of run-together tokens, 0.9875 after
    ("heldout2.jsonl", 0.99, 0.985, 15, 0.95),
    # 14 more (scripts/render_styles.py, seed 11): 0.880 when first measured; 0.900 once the dated
    # form of a run-together volume was added after looking at jbi-evidence-synthesis, which also
    # abbreviates its ranges ("2000;296921–36": no shape says where the volume ends)
    # heldout3 and heldout4 became development data once their failures were read (round 2 of issue
    # 10): 0.900 → 0.934 (ISO 690 names apart by dashes, numeric dates "(10/2006)")
    ("heldout3.jsonl", 0.95, 0.93, 12, 0.95),
    # 17 more (seed 13): 0.771 when first scored; four styles failed (author-date labels before the
    # reference, "Name BK:," author lists, bare initials before the year); 0.994 after
    ("heldout4.jsonl", 0.99, 0.99, 17, 0.95),
    # 18 more (seed 17), rendered before round 2 changed the parser and never looked at: 0.9847
    # before, 0.9861 after
    ("heldout5.jsonl", 0.985, 0.985, 16, 0.95),
]


@pytest.mark.parametrize(("name", "field_floor", "all_floor", "good_styles", "style_floor"), SETS)
def test_rendered_styles(name, field_floor, all_floor, good_styles, style_floor):
    scores = score_styles(load_styles(CORPUS / "styles" / name))
    for field in FIELDS:
        assert scores.overall[field].accuracy >= field_floor, field
    assert scores.overall[ALL].accuracy >= all_floor
    good = {style: per for style, per in scores.by_style.items() if per[ALL].accuracy >= 0.95}
    assert len(good) >= good_styles, sorted(set(scores.by_style) - set(good))
    for style, per in good.items():
        for field in FIELDS + (ALL,):
            assert per[field].accuracy >= style_floor, (style, field, per[field].accuracy)


# The external set (bench/score_external.py): 133 references of real papers from many fields, as
# their journals print them, annotated by hand; the parser was never tuned on it. Measured when it
# was written: all fields right 0.767; journal 0.769 (dotted abbreviations with no title before
# them, "W. Kohn and L. J. Sham, Phys. Rev. 140, A1133", read as "Rev"), issue 0.914 (ACM's
# "13, 6 (June 1970)"), volume 0.959, title 0.945, first author 0.992, year 0.992, pages 1.0.
# Its failures were then read and fixed (round 2), so it is development data now: all fields right
# 0.992, every field 0.99 or more.
EXTERNAL_FLOORS = {"title": 0.99, "first_author": 0.99, "journal": 0.99, "year": 0.99, "volume": 0.99,
                   "issue": 0.99, "first_page": 0.99, "last_page": 0.99, ALL: 0.99}
# external2.jsonl: 128 more, written the same way before round 2 changed the parser, and scored only
# as a whole (never read reference by reference): all fields right 0.633 before, 0.883 after;
# journal 0.675 → 0.940, volume 0.940 → 0.991, issue 0.872 → 0.979, title 0.835 → 0.883.
EXTERNAL2_FLOORS = {"title": 0.88, "first_author": 0.98, "journal": 0.935, "year": 0.99, "volume": 0.985,
                    "issue": 0.975, "first_page": 0.99, "last_page": 0.99, ALL: 0.88}


@pytest.mark.parametrize(("name", "size", "fields", "floors"), [
    ("external.jsonl", 133, 20, EXTERNAL_FLOORS), ("external2.jsonl", 128, 18, EXTERNAL2_FLOORS)])
def test_external_hand_annotated_set(name, size, fields, floors):
    records = load_styles(CORPUS / name)
    assert len(records) == size and len({r["field"] for r in records}) >= fields
    scores = score_styles(records)
    for field, floor in floors.items():
        assert scores.overall[field].accuracy >= floor, (field, scores.overall[field].accuracy)


# --- round 2: forms of physics, chemistry, mathematics and CS styles, labels, quotes -----------------

TITLE = "Polymyositis and dermatomyositis"


def _read(raw: str) -> tuple:
    ref = parse_reference(raw)
    return ([a.family for a in ref.authors], ref.title, ref.journal, ref.year, ref.volume, ref.issue,
            ref.first_page, ref.last_page)


@pytest.mark.parametrize(("raw", "authors", "journal"), [
    ("M. C. Dalakas and R. Hohlfeld, Phys. Rev. Lett. 362, 971 (2003).", ["Dalakas", "Hohlfeld"],
     "Phys. Rev. Lett."),
    ("M. C. Dalakas, Phys. Rev. B 362, 971 (2003).", ["Dalakas"], "Phys. Rev. B"),
    # a "name" followed at once by a dotted abbreviation is the journal's start
    ("M. C. Dalakas, J. Chem. Phys. 362, 971 (2003).", ["Dalakas"], "J. Chem. Phys."),
    # ACS: a "J." after the last author's initials opens the journal
    ("Dalakas, M. C.; Hohlfeld, R. J. Am. Chem. Soc. 2003, 362, 971–982.", ["Dalakas", "Hohlfeld"],
     "J. Am. Chem. Soc."),
    ("Dalakas, M. C.; Hohlfeld, R. Angew. Chem., Int. Ed. 2003, 362, 971–982.", ["Dalakas", "Hohlfeld"],
     "Angew. Chem., Int. Ed."),
    ("M. C. Dalakas, Acta Crystallogr., Sect. A: Found. Crystallogr., 2003, 362, 971–982.", ["Dalakas"],
     "Acta Crystallogr., Sect. A: Found. Crystallogr."),
])
def test_a_dotted_journal_abbreviation_without_a_title_is_read_whole(raw, authors, journal):
    got = _read(raw)
    assert got[:3] == (authors, None, journal)
    assert got[3:5] == (2003, "362") and got[6] == "971"
    assert "read by the sequence labeller" not in " ".join(parse_reference(raw).warnings)  # no title made up


@pytest.mark.parametrize(("raw", "title", "journal"), [
    # a short title in Title Case, then a journal: no abbreviation chain
    ("Dalakas MC. Heart Attack. Lancet. 2003;362:971-82.", "Heart Attack", "Lancet"),
    ("Dalakas MC. Polymyositis. Clin Rheumatol 2003;362:971-82.", "Polymyositis", "Clin Rheumatol"),
    ("M. C. Dalakas, R. Hohlfeld, A PILOT TRIAL OF IVIG. Exp. Gerontol. 362, 971-982 (2003).",
     "A PILOT TRIAL OF IVIG", "Exp. Gerontol."),
    # a title, a comma, an abbreviated journal (Elsevier, AMS)
    (f"M.C. Dalakas, {TITLE}, Comput. Netw. ISDN Syst. 362 (2003) 971–982.", TITLE,
     "Comput. Netw. ISDN Syst."),
    (f"M. C. Dalakas, {TITLE}, Math. Comp. 362 (2003), 971–982.", TITLE, "Math. Comp."),
    ("M. C. Dalakas, Non-cooperative myositis, Ann. of Math. (2) 362 (2003), 971–982.",
     "Non-cooperative myositis", "Ann. of Math."),
    # not a chain: a sentence ends in a place name, then an undotted journal
    (f"Dalakas MC. {TITLE} in Białowieża Forest, Poland. J Appl Ecol. 2003;362:971-82.",
     f"{TITLE} in Białowieża Forest, Poland", "J Appl Ecol"),
])
def test_title_then_journal_with_abbreviations(raw, title, journal):
    assert _read(raw)[1:3] == (title, journal)


@pytest.mark.parametrize(("raw", "fields"), [
    # ACM: volume, issue (date), pages
    (f"Marinos C. Dalakas. 2003. {TITLE}. Commun. ACM 362, 9388 (Sept. 2003), 971–982.",
     ("Commun. ACM", 2003, "362", "9388", "971", "982")),
    # AMS: volume (year), no. issue, pages
    (f"M. C. Dalakas, {TITLE}, Ann. Statist. 362 (2003), no. 9388, 971–982.",
     ("Ann. Statist.", 2003, "362", "9388", "971", "982")),
    # a numeric date in the brackets
    (f"Dalakas, M. C.: “{TITLE},” Lancet 362 (09/2003), pp. 971–982.",
     ("Lancet", 2003, "362", None, "971", "982")),
])
def test_source_blocks_of_acm_and_ams(raw, fields):
    assert _read(raw)[1:] == (TITLE, *fields)


@pytest.mark.parametrize("raw", [
    f"DALAKAS M., « {TITLE} », Lancet, vol. 362, 2003, p. 971-982.",
    f"Dalakas, M.: „{TITLE}“. In: Lancet 362 (2003), S. 971–982.",
])
def test_titles_in_guillemets_and_low_quotes(raw):
    got = _read(raw)
    assert got[1:3] == (TITLE, "Lancet") and got[4] == "362"


def test_an_author_date_label_before_the_reference_is_dropped():
    got = _read(f"Dalakas et al. 2003: M. C. Dalakas, R. Hohlfeld, “{TITLE},” in Lancet 362, pp. 971–982.")
    assert got == (["Dalakas", "Hohlfeld"], TITLE, "Lancet", 2003, "362", None, "971", "982")
    got = _read(f"Dalakas, Hohlfeld 2003 Dalakas M., Hohlfeld R., “{TITLE},” Lancet, 362, pp. 971–982.")
    assert got[:4] == (["Dalakas", "Hohlfeld"], TITLE, "Lancet", 2003)
    # the usual head: a year after the names, and a title that happens to hold the name
    got = _read("Smith J (2003) Smith-Lemli-Opitz syndrome. Lancet 362:971-982")
    assert got[:4] == (["Smith"], "Smith-Lemli-Opitz syndrome", "Lancet", 2003)


@pytest.mark.parametrize(("raw", "authors"), [
    (f"Dalakas MC:, Hohlfeld R:, PLOTZ PH: {TITLE}. Lancet 362:971–982, 2003",
     ["Dalakas", "Hohlfeld", "PLOTZ"]),
    (f"Dalakas, MC, Hohlfeld, R & Plotz, P 2003, '{TITLE}', Lancet, vol. 362, pp. 971–982.",
     ["Dalakas", "Hohlfeld", "Plotz"]),
    (f"DALAKAS, M. C. – HOHLFELD, R. {TITLE}. Lancet. 2003, vol. 362, pp. 971–982.", ["DALAKAS", "HOHLFELD"]),
    (f"Dalakas, Marinos Charles. “{TITLE}.” Lancet 362, no. 9388 (2003): 971–82.", ["Dalakas"]),
])
def test_author_lists_of_more_styles(raw, authors):
    got = _read(raw)
    assert got[:3] == (authors, TITLE, "Lancet") and got[3:5] == (2003, "362")


def test_a_year_before_labelled_pages_of_proceedings_is_no_volume():
    ref = parse_reference(f"M. C. Dalakas, “{TITLE},” in Proc. IEEE Conf. Neurol., Boston, MA, USA, 2003, "
                          "pp. 971–982.")
    assert (ref.year, ref.volume, ref.first_page, ref.last_page) == (2003, None, "971", "982")
