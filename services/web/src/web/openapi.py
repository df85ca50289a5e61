"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any, get_args

from gas_shared.contract.plans import PLANS
from gas_shared.store.records import JobStatus, Storage

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
JOB = {
    "type": "object",
    "required": ["job_id", "status", "input_filename", "reference_id", "submitted_at", "progress", "finished"],
    "properties": {
        "job_id": {"type": "string", "format": "uuid"},
        "status": {"enum": list(get_args(JobStatus))},
        "input_filename": {"type": "string"},
        "input_size": {"type": "integer"},
        "reference_id": {"type": "string"}, "hgvs": {"type": "boolean"}, "haplotypes": {"type": "boolean"},
        "submitted_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "failed_at": {"type": ["string", "null"], "format": "date-time"},
        "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
        "progress": {"type": "object", "properties": {
            "stage": {"type": "string"}, "stage_label": {"type": "string"}, "variants": {"type": "integer"}}},
        "queue_position": {"type": "integer", "description": "while PENDING: the caller's unfinished jobs before "
                                                             "it in its lane, which run first"},
        "queue_waiting": {"type": "integer", "description": "while PENDING: every user's jobs waiting "
                                                            "(approximate; other users' run beside, not before)"},
        "finished": {"type": "boolean"},
        "storage": {"enum": [*get_args(Storage), None]},
        "retention_seconds_left": {"type": "integer", "description": "Free plan: until the results are archived"},
        "restore": {"type": "object", "properties": {"tier": {"type": "string"},
                                                     "expected_ready_at": {"type": "string"}}},
        "failure": {"type": "object", "properties": {"reason": {"type": "string"},
                                                     "line": {"type": ["integer", "null"]}}},
        "counts": {"type": "object"},
        "results": {"type": "array", "items": {"type": "string"}},
        "downloadable": {"type": "boolean"},
    },
}


def _op(summary: str, ok: dict[str, Any], *, body: dict[str, Any] | None = None, params: list[Any] | None = None,
        status: str = "200", errors: tuple[str, ...] = ("401",)) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok}}
    for code in errors:
        op["responses"][code] = {"description": "refused", "content": {"application/json": {"schema": ERROR}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


# The explorer's filter: the same query string drives pages, counts and exports (and the job page).
FILTER = [
    _query("gene", "gene names, exact and in any case; a list split by commas, spaces or new lines"),
    _query("consequence", "SO terms of bcftools csq (e.g. missense, stop_gained); repeat for any of several",
           {"type": "array", "items": {"type": "string"}}),
    _query("impact", "HIGH, MODERATE, LOW or MODIFIER; repeat for any of several",
           {"type": "array", "items": {"enum": ["HIGH", "MODERATE", "LOW", "MODIFIER"]}}),
    _query("region", "chrom, chrom:pos or chrom:start-end (1-based, inclusive); chr1 and 1 are the same"),
    _query("id", "the VCF ID column: whole IDs, a list"),
    _query("filter", "the VCF FILTER column: values, a list (PASS, LowQual...)"),
    _query("q", "free text, every word must appear in the gene, transcript, consequence, change or ID"),
    _query("known", "by the reference's known-variant tracks (dbSNP, ClinVar): known or novel",
           {"enum": ["known", "novel"]}),
    _query("clinical", "clinical classes as ClinVar writes them (Pathogenic, Likely_benign...); repeat for any",
           {"type": "array", "items": {"type": "string"}}),
    _query("af_below", "population frequency below this (0-1), or not in the frequency track", {"type": "number"}),
    _query("af_above", "population frequency known and at least this (0-1)", {"type": "number"}),
    _query("in_region", "inside any of these region tracks (a list; 'any' for any)"),
    _query("pick", "1: one row per variant, the preferred transcript's (MANE Select, then Ensembl canonical), "
           "else the most severe (as VEP's --pick)", {"enum": ["1"]}),
]
SORT = _query("sort", "the rows' order", {"enum": ["position", "impact", "gene"]})
ROW = {"type": "object", "properties": {
    "cursor": {"type": "string"}, "record": {"type": "integer", "description": "1-based number of the VCF record"},
    "chrom": {"type": "string"}, "pos": {"type": "integer"}, "id": {"type": "string"}, "ref": {"type": "string"},
    "alt": {"type": "string"}, "qual": {"type": ["number", "null"]}, "filter": {"type": "string"},
    "gene": {"type": "string"}, "transcript": {"type": "string"}, "biotype": {"type": "string"},
    "consequence": {"type": "array", "items": {"type": "string"}}, "impact": {"type": "string"},
    "protein_change": {"type": "string"}, "dna_change": {"type": "string"},
    "known_id": {"type": "string", "description": "the known variant's ID from the reference's tracks ('' novel)"},
    "clinical": {"type": "string"}, "frequency": {"type": ["number", "null"]},
    "regions": {"type": "array", "items": {"type": "string"}},
    "preferred": {"type": "string", "description": "MANE_Select or Ensembl_canonical, or ''"},
    "hgvs_c": {"type": "string", "description": "HGVS c. (or n.) on the row's transcript, in jobs that asked"},
    "hgvs_p": {"type": "string"},
    "genotypes": {"type": "array", "items": {"type": "object", "properties": {
        "sample": {"type": "string"}, "gt": {"type": "string"}}}}}}
COUNTS = {"type": "object", "properties": {
    "rows": {"type": "integer"}, "variants": {"type": "integer"}, "records": {"type": "integer"},
    "by_consequence": {"type": "object", "additionalProperties": {"type": "integer"}},
    "by_impact": {"type": "object", "additionalProperties": {"type": "integer"}},
    "genes": {"type": "array", "items": {"type": "object", "properties": {
        "gene": {"type": "string"}, "variants": {"type": "integer"}, "worst_impact": {"type": "string"}}}},
    "genes_total": {"type": "integer"},
    "known": {"type": ["integer", "null"], "description": "null: the reference has no known-variant track"},
    "novel": {"type": ["integer", "null"]},
    "by_clinical": {"type": "object", "additionalProperties": {"type": "integer"}}}}


def document(server: str) -> dict[str, Any]:
    job = {"$ref": "#/components/schemas/Job"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "GAS API", "version": "1",
                 "description": "The Genomics Annotation Service: upload VCF files, annotate them, fetch results."},
        "servers": [{"url": server.rstrip("/") + "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A Globus Auth access token, or a dev token "
                                                          "(development deployments only)"}},
            "schemas": {"Job": JOB, "Error": ERROR},
        },
        "paths": {
            "/me": {"get": _op("The caller's profile and plan", _json({"type": "object"}))},
            "/references": {"get": _op("Installed reference genomes", _json({"type": "object"}))},
            "/uploads": {"post": _op(
                "Create an upload: a presigned POST straight to S3 and a ticket for POST /jobs",
                _json({"type": "object", "required": ["job_id", "url", "fields", "ticket"], "properties": {
                    "job_id": {"type": "string"}, "url": {"type": "string"}, "fields": {"type": "object"},
                    "ticket": {"type": "string"}, "max_bytes": {"type": "integer"},
                    "expires_in": {"type": "integer"}}}, "Created"),
                body={"type": "object", "required": ["filename", "reference_id"], "properties": {
                    "filename": {"type": "string", "description": "ends in .vcf or .vcf.gz"},
                    "reference_id": {"type": "string"},
                    "hgvs": {"type": "boolean", "description": "HGVS c./p. for every transcript (slower)"},
                    "haplotypes": {"type": "boolean", "description": "haplotype-aware consequences from the samples' "
                                                                     "phased genotypes (slower)"}}},
                status="201", errors=("400", "401"))},
            "/jobs": {
                "post": _op("Submit the uploaded file (or the reference's sample) as a job", _json(job, "Created"),
                            body={"type": "object", "properties": {
                                "ticket": {"type": "string"}, "sample": {"type": "boolean"},
                                "reference_id": {"type": "string"},
                                "hgvs": {"type": "boolean", "description": "with sample: HGVS notation"},
                                "haplotypes": {"type": "boolean",
                                               "description": "with sample: haplotype-aware consequences"}}},
                            status="201", errors=("400", "401", "403", "409", "410", "413", "429")),
                "get": _op("The caller's jobs, newest first", _json({"type": "object", "properties": {
                    "jobs": {"type": "array", "items": job}, "next": {"type": ["string", "null"]}}}),
                    params=[{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                            {"name": "after", "in": "query", "schema": {"type": "string"},
                             "description": "the `next` of the previous page"}], errors=("400", "401")),
            },
            "/jobs/{job_id}": {
                "get": _op("One job, with its progress", _json(job), params=[JOB_ID], errors=("401", "404")),
                "delete": _op("Delete a finished job and its files", {"description": "Deleted"},
                              params=[JOB_ID], status="204", errors=("401", "404", "409")),
            },
            "/jobs/{job_id}/cancel": {"post": _op(
                "Cancel a PENDING or RUNNING job: it ends CANCELLED, with no results and no e-mail", _json(job),
                params=[JOB_ID], errors=("401", "404", "409"))},
            "/jobs/{job_id}/files": {"get": _op(
                "Short-lived URLs of the input, the results and the log",
                _json({"type": "object", "properties": {
                    "input": {"type": "string"}, "results": {"type": "object"}, "log": {"type": ["string", "null"]},
                    "archived": {"type": "boolean"}, "expires_in": {"type": "integer"}}}),
                params=[JOB_ID], errors=("401", "404"))},
            "/jobs/{job_id}/variants": {"get": _op(
                "A page of the job's variants (one row per transcript consequence) that match the filter",
                _json({"type": "object", "properties": {
                    "rows": {"type": "array", "items": ROW}, "offset": {"type": "integer"},
                    "total": {"type": "integer"}, "next": {"type": ["string", "null"]},
                    "previous": {"type": ["string", "null"]}}}),
                params=[JOB_ID, *FILTER, SORT,
                        _query("limit", "rows per page", {"type": "integer", "minimum": 1, "maximum": 500}),
                        _query("after", "the `next` of the previous page"),
                        _query("before", "the `previous` of the next page"),
                        _query("page", "`last` for the last page", {"enum": ["last"]})],
                errors=("400", "401", "404"))},
            "/jobs/{job_id}/variants/counts": {"get": _op(
                "Exact counts of what the filter matches: variants, records, by consequence, impact and gene",
                _json(COUNTS), params=[JOB_ID, *FILTER, _query("genes", "genes to list, most variants first",
                                                              {"type": "integer", "maximum": 10000})],
                errors=("400", "401", "404"))},
            "/jobs/{job_id}/variants.tsv": {"get": _op(
                "Every matching row as TSV, streamed", {"description": "TSV", "content": {
                    "text/tab-separated-values": {"schema": {"type": "string"}}}},
                params=[JOB_ID, *FILTER, SORT], errors=("400", "401", "404"))},
            "/jobs/{job_id}/variants.vcf": {"get": _op(
                "The uploaded records that match, annotated, as VCF, streamed (409 while archived)",
                {"description": "VCF", "content": {"text/x-vcf": {"schema": {"type": "string"}}}},
                params=[JOB_ID, *FILTER], errors=("400", "401", "404", "409"))},
            "/plan": {"put": _op("Change plan (no payment is taken)", _json({"type": "object"}),
                                 body={"type": "object", "required": ["plan"],
                                       "properties": {"plan": {"enum": list(PLANS)}}},
                                 errors=("400", "401"))},
            "/dev/tokens": {"post": _op(
                "Development only: a bearer token for a dev user", _json({"type": "object"}, "Created"),
                body={"type": "object", "required": ["name", "email"],
                      "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
                status="201", errors=("400", "404"))},
        },
    }
