"""What the explorer answers with, for the pages and the API alike: the filter read from a request, and the
filtered set streamed as TSV (from the index) or VCF (the user's original records, from the annotated VCF)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, request, stream_with_context

from gas_shared.store.records import Job

from ..objects import attachment
from ..wiring import gas
from .query import DEFAULT_LIMIT, SORTS, Explorer, Filter, FilterError, Page
from .vcf import selected


@dataclass(frozen=True)
class Ask:
    """A request to the explorer: the filter, the sort and where the page begins."""

    filter: Filter
    sort: str
    limit: int
    after: str | None
    before: str | None
    last: bool

    @classmethod
    def of_request(cls) -> Ask:
        """From the query string; FilterError says what to change."""
        args = request.args
        sort = args.get("sort", "position")
        if sort not in SORTS:
            raise FilterError(f"Sort by one of: {', '.join(SORTS)}.")
        try:
            limit = int(args.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise FilterError("limit must be a number.") from None
        return cls(Filter.of(args), sort, limit, args.get("after"), args.get("before"), args.get("page") == "last")

    @classmethod
    def default(cls) -> Ask:
        return cls(Filter(), "position", DEFAULT_LIMIT, None, None, False)

    def page(self, explorer: Explorer) -> Page:
        return explorer.page(self.filter, self.sort, after=self.after, before=self.before, last=self.last,
                             limit=self.limit)


def explorer_of(job: Job) -> Explorer:
    """The job's explorer, or 404 (not finished, or annotated before GAS wrote indexes)."""
    found = gas().explorers.get(job) if job.status == "COMPLETED" else None
    if found is None:
        abort(404)
    return found


def export_name(job: Job, f: Filter, suffix: str) -> str:
    stem = (job.input_filename or "variants").rsplit(".vcf", 1)[0] or "variants"
    slug = f.slug()
    return f"{stem}.variants{'.' + slug if slug else ''}{suffix}"


def tsv(job: Job, explorer: Explorer, ask: Ask) -> Response:
    return Response(stream_with_context(explorer.tsv(ask.filter, ask.sort)), mimetype="text/tab-separated-values",
                    headers={"Content-Disposition": attachment(export_name(job, ask.filter, ".tsv"))})


def vcf(job: Job, explorer: Explorer, ask: Ask) -> Response:
    """The user's records that match, annotated, as they are in the job's VCF; 409 while it is archived."""
    if not job.downloadable or "vcf" not in job.results:
        abort(409)
    wanted = explorer.records(ask.filter)
    chunks = gas().results.chunks(job.results["vcf"])
    return Response(stream_with_context(selected(chunks, wanted)), mimetype="text/x-vcf",
                    headers={"Content-Disposition": attachment(export_name(job, ask.filter, ".vcf"))})
