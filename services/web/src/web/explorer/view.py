"""The explorer as the job page shows it: the page of rows, the counts, the chart's bars and every link,
each link a job-page URL with the filter in its query string (so it works without script, and can be shared)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from gas_shared.contract.consequences import IMPACT_ORDER, TERMS, impact_of

from .exports import Ask
from .query import SORTS, Counts, Explorer, Filter, Page


@dataclass
class ExplorerView:
    ask: Ask
    page_url: str  # the job page
    fragment_url: str  # the same, as the fragment app.js fetches
    export_base: str  # .../variants (the exports add .tsv / .vcf)
    page: Page | None = None
    counts: Counts | None = None
    filters_seen: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()
    error: str | None = None
    # What the reference's tracks let the filter ask (empty: the job's reference has none of that kind).
    has_known: bool = False
    clinical_seen: tuple[str, ...] = ()
    frequency_tag: str | None = None
    regions_seen: tuple[str, ...] = ()
    has_hgvs: bool = False

    @property
    def has_tracks(self) -> bool:
        return self.has_known or bool(self.clinical_seen or self.frequency_tag or self.regions_seen)

    @property
    def filter(self) -> Filter:
        return self.ask.filter

    @property
    def sort(self) -> str:
        return self.ask.sort

    sorts, impacts, terms = SORTS, IMPACT_ORDER, TERMS

    def _query(self, f: Filter, **paging: Any) -> str:
        args = f.args() + ([("sort", self.sort)] if self.sort != "position" else [])
        args += [(k, "last" if k == "page" else str(v)) for k, v in paging.items() if v]
        return urlencode(args)

    def link(self, *, impact: str | None = None, gene: str | None = None, term: str | None = None,
             clinical: str | None = None, known: str | None = None,
             cursor: None = None, after: str | None = None, before: str | None = None, last: bool = False) -> str:
        """The job page with the filter changed (a gene, impact or term set) or at another page."""
        f = self.filter
        if impact:
            f = replace(f, impacts=(impact,))
        if gene:
            f = replace(f, genes=(gene,))
        if term:
            f = replace(f, terms=(term,))
        if clinical:
            f = replace(f, clinical=(clinical,))
        if known:
            f = replace(f, known=known)
        query = self._query(f, after=after, before=before, page=last)
        return f"{self.page_url}?{query}" if query else self.page_url

    @property
    def export_tsv(self) -> str:
        return f"{self.export_base}.tsv?{self._query(self.filter)}"

    @property
    def export_vcf(self) -> str:
        return f"{self.export_base}.vcf?{self._query(self.filter)}"

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Every consequence the filter's variants have, most first, as bars of a chart."""
        found = self.counts.by_consequence if self.counts else {}
        most = max(found.values(), default=0) or 1
        return [{"term": t, "label": t.replace("_", " "), "count": n, "percent": round(100 * n / most, 1),
                 "impact": impact_of(t), "href": self.link(term=t)} for t, n in found.items()]

    @classmethod
    def of(cls, explorer: Explorer, ask: Ask, *, page_url: str, fragment_url: str, export_base: str) -> ExplorerView:
        return cls(ask, page_url, fragment_url, export_base, page=ask.page(explorer),
                   counts=explorer.counts(ask.filter), filters_seen=tuple(explorer.filters_seen),
                   samples=tuple(explorer.samples), **tracks_of(explorer))


def tracks_of(explorer: Explorer) -> dict[str, Any]:
    """ExplorerView's track fields, from the index (also for a view that shows only an error)."""
    return {"has_known": explorer.has_known, "clinical_seen": tuple(explorer.clinical_seen),
            "frequency_tag": explorer.index.meta.get("frequency_tag") if explorer.has_frequency else None,
            "regions_seen": tuple(explorer.regions_seen), "has_hgvs": explorer.has_hgvs}
