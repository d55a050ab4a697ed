"""refkit.therapies: drugs, chemicals and procedures named in a case report, with doses.

``extract_article(article)`` / ``extract_text(text)`` give :class:`Mention` objects;
``summarize(mentions)`` one :class:`Therapy` per normalised name. ``vocabulary()`` is the
lookup the rest of refkit uses for names (query synonyms, graph classes).
"""

from refkit.therapies.extraction import (
    Mention,
    Therapy,
    chemical_mentions,
    extract_article,
    extract_text,
    summarize,
    therapy_mentions,
)
from refkit.therapies.vocabulary import Concept, vocabulary

__all__ = [
    "Concept", "Mention", "Therapy", "chemical_mentions", "extract_article", "extract_text", "summarize",
    "therapy_mentions", "vocabulary",
]
