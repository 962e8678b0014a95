"""How a translated page was made and who checked it (front matter ``translation:``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Review:
    """One check of a translation: ``{by: editors | clinician, date, scope, name}``."""

    by: str
    date: str
    scope: str = ""
    name: str = ""


@dataclass(frozen=True)
class Translation:
    """How a translated page was made and checked (front matter ``translation:``)."""

    from_hash: str
    method: str
    date: str
    reviews: tuple[Review, ...] = ()
    stale: bool = False  # the English text changed since ``from_hash`` was taken
    expected_hash: str = ""
    missing: bool = False  # no translation yet: the English page is shown, and says so

    @property
    def clinician_checked(self) -> bool:
        """Whether a clinician has signed the translation off."""
        return any(r.by == "clinician" for r in self.reviews)

    @property
    def editor_checked(self) -> bool:
        """Whether the editors have read it against the English."""
        return any(r.by == "editors" for r in self.reviews)
