"""Article headers as real pages print them: PMC's current and older layouts, publisher pages."""

from __future__ import annotations

import pytest

from refkit.parse import parse_article

REF = "1. Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003; 362:971–82."
TITLE = "A Case of Resistant Polymyositis Successfully Treated with Tacrolimus"
ABSTRACT = "Abstract\nPolymyositis is an inflammatory myopathy.\n"

PMC_CURRENT = f"""Case Rep Rheumatol. 2019 May 13;2019:4812376. doi: 10.1155/2019/4812376

{TITLE}

Hiroshi Tanaka 1, Mariko Sato 2,*, Ken van der Berg 1

Author information Article notes Copyright and License information
PMCID: PMC6532193  PMID: 31192018

{ABSTRACT}
Keywords: polymyositis; tacrolimus; calcineurin inhibitor

References
{REF}
"""

PMC_CURRENT_LOST_JOURNAL = f""". 2019 May 13;2019:4812376. doi: 10.1155/2019/4812376

{TITLE}

Hiroshi Tanaka 1, Mariko Sato 2,*

Author information
Copyright and License information
PMCID: PMC6532193  PMID: 31192018

{ABSTRACT}
References
{REF}
"""

PMC_OLD = f"""Journal List > Case Rep Rheumatol > v.2019; 2019 > PMC6532193
Case Rep Rheumatol. 2019; 2019: 4812376.
Published online 2019 May 13. doi: 10.1155/2019/4812376
PMCID: PMC6532193
PMID: 31192018
{TITLE}
Hiroshi Tanaka,1 Mariko Sato,2,* and Ken Ito1
Author information ► Article notes ► Copyright and License information ►
{ABSTRACT}
References
{REF}
"""

PUBLISHER = f"""Case Reports in Rheumatology
Volume 2019, Article ID 4812376, 5 pages
https://doi.org/10.1155/2019/4812376
Case Report
{TITLE}
Hiroshi Tanaka 1, Mariko Sato 2,*
1 Department of Rheumatology, Tokyo Medical University, Tokyo, Japan
2 Division of Internal Medicine, Osaka City Hospital, Osaka, Japan
Correspondence should be addressed to Mariko Sato; sato@example.jp
Received 12 March 2019; Accepted 2 May 2019; Published 13 May 2019
Academic Editor: Jane Doe
Copyright © 2019 Hiroshi Tanaka et al.
{ABSTRACT}
Keywords: polymyositis, tacrolimus
References
{REF}
"""


@pytest.mark.parametrize(
    ("text", "journal", "pmid", "pmcid", "authors"),
    [
        (PMC_CURRENT, "Case Rep Rheumatol", "31192018", "PMC6532193",
         [("Hiroshi", "Tanaka"), ("Mariko", "Sato"), ("Ken", "van der Berg")]),
        (PMC_CURRENT_LOST_JOURNAL, None, "31192018", "PMC6532193",
         [("Hiroshi", "Tanaka"), ("Mariko", "Sato")]),
        (PMC_OLD, "Case Rep Rheumatol", "31192018", "PMC6532193",
         [("Hiroshi", "Tanaka"), ("Mariko", "Sato"), ("Ken", "Ito")]),
        (PUBLISHER, "Case Reports in Rheumatology", None, None, [("Hiroshi", "Tanaka"), ("Mariko", "Sato")]),
    ],
    ids=["pmc-current", "pmc-current-journal-lost", "pmc-old", "publisher"],
)
def test_header_layouts(text, journal, pmid, pmcid, authors):
    article = parse_article(text)
    assert article.title == TITLE  # never "PMCID: PMC…", a label or the author line
    assert [(a.given, a.family) for a in article.authors] == authors
    where = (article.journal, article.year, article.volume, article.first_page)
    assert where == (journal, 2019, "2019", "4812376")
    assert (article.doi, article.pmid, article.pmcid) == ("10.1155/2019/4812376", pmid, pmcid)
    assert article.abstract == "Polymyositis is an inflammatory myopathy."
    assert len(article.references) == 1


def test_keywords_and_affiliations():
    article = parse_article(PMC_CURRENT)
    assert article.keywords == ["polymyositis", "tacrolimus", "calcineurin inhibitor"]
    article = parse_article(PUBLISHER)
    assert article.keywords == ["polymyositis", "tacrolimus"]
    assert article.affiliations == [
        "Department of Rheumatology, Tokyo Medical University, Tokyo, Japan",
        "Division of Internal Medicine, Osaka City Hospital, Osaka, Japan",
    ]


def test_a_title_case_title_is_not_an_author_list():
    text = f"Tacrolimus For Resistant Polymyositis\nHiroshi Tanaka 1, Mariko Sato 2\n\n{ABSTRACT}"
    text += f"References\n{REF}"
    article = parse_article(text)
    assert article.title == "Tacrolimus For Resistant Polymyositis"
    assert [a.family for a in article.authors] == ["Tanaka", "Sato"]


def test_new_article_fields_round_trip():
    from refkit.model import Article

    article = parse_article(PUBLISHER)
    again = Article.from_dict(article.to_dict())
    assert (again.pmid, again.pmcid, again.keywords, again.affiliations) == (
        article.pmid, article.pmcid, article.keywords, article.affiliations)
