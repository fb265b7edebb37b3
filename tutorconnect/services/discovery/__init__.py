"""Discovery: finding listed tutors. It owns the search as the URL holds it (SearchQuery
parsed from and written back to query-string values, normalize_q), the search itself
(text with typo correction from search_lexicon, filters, sort, one page of cards from the
tutor_search index table), the filter counts (facets, cached per process) and the search
document of every tutor profile (search_text and search_vector, rebuilt when a profile,
a tutor's name or their subjects change; the database triggers copy it into
tutor_search).

Inside, the arrows go one way: query and search_documents at the bottom; search (reads a
SearchQuery) above query; facet_counts on its own. It uses no other capability package,
only the models and the service errors (contract `discovery-below-capabilities`), so both
tutors (profile and subject edits) and accounts (a tutor renaming their account) refresh
search documents through it without importing each other.
"""

from tutorconnect.services.discovery.facet_counts import (
    FACETS_TTL_SECONDS, Facets, SubjectFacet, cached_facets, facets,
)
from tutorconnect.services.discovery.query import (
    FREE_WITHIN_MAX, PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX, PRICE_MAX_RUPEES, Q_MAX, SORTS, SearchQuery,
    normalize_q,
)
from tutorconnect.services.discovery.search import (
    CORRECTION_SPREAD, CORRECTIONS_PER_WORD, SIMILARITY, SUBJECTS_ON_CARD, SearchCard, SearchPage, search_tutors,
)
from tutorconnect.services.discovery.search_documents import refresh_search_document, refresh_search_documents

__all__ = [
    # the search as the URL holds it
    "FREE_WITHIN_MAX", "PAGE_MAX", "PER_PAGE_DEFAULT", "PER_PAGE_MAX", "PRICE_MAX_RUPEES", "Q_MAX", "SORTS",
    "SearchQuery", "normalize_q",
    # the search (spelling correction tuned by SIMILARITY, CORRECTIONS_PER_WORD, CORRECTION_SPREAD)
    "CORRECTION_SPREAD", "CORRECTIONS_PER_WORD", "SIMILARITY", "SUBJECTS_ON_CARD", "SearchCard", "SearchPage",
    "search_tutors",
    # filter counts
    "FACETS_TTL_SECONDS", "Facets", "SubjectFacet", "cached_facets", "facets",
    # the search document of a tutor profile (tutors and accounts refresh it)
    "refresh_search_document", "refresh_search_documents",
]
