"""Tutors: everything about a tutor as a seller on the marketplace. It owns the tutor's
own profile (the draft row, the onboarding wizard steps and their input cleaning,
completeness), private documents and public photos, the approval state machine and the
admin's review of tutors, the public listings and public page, the subject taxonomy,
students' reviews of lessons with the tutor's rating, students' favorites and generated
avatars, and the one rule for showing a rating (`format_rating`, ratings.py). Inside, the
arrows go one way: ratings, input_cleaning, profile_completeness, listings and avatars at
the bottom; profile_drafts above them; onboarding_steps, documents (then
photos), approval, subjects, pages, favorites and lesson_reviews above those;
admin_review on top. It uses the capability packages bookings (a tutor's cancellation
figures, admin review only), notifications (telling the tutor of a decision or a new
review) and discovery (the search document, rebuilt on profile and subject edits), and the
services access (require_admin), audit, validation, context, errors and lesson_prices.
refresh_search_document(s) (from discovery) and price_for_length, prices (from
lesson_prices) are re-exported here but live outside this package because accounts and
bookings need them too: services below tutors must import them from there, never through
tutors, or they would make an import loop.
"""

from tutorconnect.services.discovery import refresh_search_document, refresh_search_documents
from tutorconnect.services.lesson_prices import price_for_length, prices
from tutorconnect.services.tutors.admin_review import (
    CANCELLATION_DAYS, PER_PAGE as ADMIN_TUTORS_PER_PAGE, QUERY_MAX, STATUS_FILTERS, AdminTutorView, HistoryEntry, TutorRow, admin_actions,
    admin_tutor_view, list_tutors, subject_tutor_counts, tab_counts,
)
from tutorconnect.services.tutors.approval import (
    REASON_MAX, REASON_MIN, REASON_REQUIRED, TRANSITIONS, TUTOR_TRANSITIONS, QueueItem, StatusEvent,
    TransitionNotAllowed, approve_tutor, history as approval_history, reinstate_tutor, reject_tutor, review_queue, start_review,
    submit_profile, suspend_tutor, transition as transition_tutor, withdraw_submission,
)
from tutorconnect.services.tutors.avatars import public_path as avatar_path, write_avatar
from tutorconnect.services.tutors.documents import (
    DOCUMENT_DIR, MAX_DOCUMENTS, DocumentItem, add_document, list_documents, open_document, remove_document,
    sniff_content_type,
)
from tutorconnect.services.tutors.favorites import add_favorite, is_favorite, list_favorites, remove_favorite
from tutorconnect.services.tutors.input_cleaning import clean_int, clean_photo_path, clean_text, clean_video_url
from tutorconnect.services.tutors.lesson_reviews import (
    PER_PAGE_MAX, RatingSummary, ReviewItem, ReviewNotAllowed, hide as hide_review, list_reviews, publish_review, rating_summary,
    reply as reply_to_review, review_booking, unhide as unhide_review,
)
from tutorconnect.services.tutors.listings import (
    SubjectItem, TutorCard, cards_for, count_approved, featured_tutors, subject_catalog,
)
from tutorconnect.services.tutors.onboarding_steps import (
    CURRENCIES, HOURLY_MAX_MINOR, HOURLY_MIN_MINOR, MAX_LANGUAGES, MAX_SUBJECTS, save_basics, save_languages,
    save_media, save_pricing, save_subjects,
)
from tutorconnect.services.tutors.pages import SLUG_MAX, PublicProfile, public_profile
from tutorconnect.services.tutors.photos import (
    KEY_RE, PHOTO_DIR, PHOTO_MAX_BYTES, PHOTO_URL_PREFIX, discard_unused_photo, normalize_photo, photo_file,
    remove_photo, upload_photo,
)
from tutorconnect.services.tutors.profile_completeness import (
    BIO_MIN_FOR_COMPLETE, WEIGHTS, Completeness, completeness,
)
from tutorconnect.services.tutors.ratings import format_rating
from tutorconnect.services.tutors.profile_drafts import (
    ProfileDraft, ProfileLocked, editable_profile, get_or_create_draft, load_draft, touch,
)
from tutorconnect.services.tutors.subjects import (
    SubjectRow, add_subject, list_active as active_subjects, list_all as all_subjects, rename_subject, retire_subject, unretire_subject,
)

__all__ = [
    # the tutor's own profile: draft row, wizard steps, completeness (editable_profile and
    # touch are for edits outside the wizard: documents, photos)
    "BIO_MIN_FOR_COMPLETE", "CURRENCIES", "HOURLY_MAX_MINOR", "HOURLY_MIN_MINOR", "MAX_LANGUAGES", "MAX_SUBJECTS",
    "WEIGHTS", "Completeness", "ProfileDraft", "ProfileLocked", "completeness", "editable_profile",
    "get_or_create_draft", "load_draft", "save_basics", "save_languages", "save_media", "save_pricing",
    "save_subjects", "touch",
    # input cleaning (plain text, bounded ints, video links, photo paths)
    "clean_int", "clean_photo_path", "clean_text", "clean_video_url",
    # lesson prices and the search document (re-exported from lesson_prices, discovery)
    "price_for_length", "prices", "refresh_search_document", "refresh_search_documents",
    # private documents and public photos
    "DOCUMENT_DIR", "MAX_DOCUMENTS", "DocumentItem", "add_document", "list_documents", "open_document",
    "remove_document", "sniff_content_type",
    "KEY_RE", "PHOTO_DIR", "PHOTO_MAX_BYTES", "PHOTO_URL_PREFIX", "discard_unused_photo", "normalize_photo",
    "photo_file", "remove_photo", "upload_photo",
    # approval state machine and the admin review queue
    "REASON_MAX", "REASON_MIN", "REASON_REQUIRED", "TRANSITIONS", "TUTOR_TRANSITIONS", "QueueItem", "StatusEvent",
    "TransitionNotAllowed", "approve_tutor", "approval_history", "reinstate_tutor", "reject_tutor", "review_queue",
    "start_review", "submit_profile", "suspend_tutor", "transition_tutor", "withdraw_submission",
    # admin review of tutors (read-only)
    "CANCELLATION_DAYS", "ADMIN_TUTORS_PER_PAGE", "QUERY_MAX", "STATUS_FILTERS", "AdminTutorView", "HistoryEntry", "TutorRow",
    "admin_actions", "admin_tutor_view", "list_tutors", "subject_tutor_counts", "tab_counts",
    # public listings and the public tutor page
    "SLUG_MAX", "PublicProfile", "SubjectItem", "TutorCard", "cards_for", "count_approved", "featured_tutors",
    "public_profile", "subject_catalog",
    # subject taxonomy (admins)
    "SubjectRow", "add_subject", "active_subjects", "all_subjects", "rename_subject", "retire_subject", "unretire_subject",
    # students' reviews of lessons (hide/unhide/reply act on a lesson review); how a rating is shown
    "format_rating",
    "PER_PAGE_MAX", "RatingSummary", "ReviewItem", "ReviewNotAllowed", "hide_review", "list_reviews", "publish_review",
    "rating_summary", "reply_to_review", "review_booking", "unhide_review",
    # favorites
    "add_favorite", "is_favorite", "list_favorites", "remove_favorite",
    # generated avatars
    "avatar_path", "write_avatar",
]
