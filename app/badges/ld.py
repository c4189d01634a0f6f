"""JSON-LD processing with pinned local contexts: canonicalisation (RDFC-1.0) and a check that
every term is defined, because PyLD silently drops undefined terms and they would go unsigned."""

import json
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from frozendict import frozendict
from pyld import jsonld

CONTEXT_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
OB_V2 = "https://w3id.org/openbadges/v2"

PINNED = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DID_V1: "did-v1.json",
    MULTIKEY_V1: "multikey-v1.json",
    OB_V2: "openbadges-v2.json",
}


def date_time(moment: datetime) -> str:
    """`moment` as the documents write a date and time: in UTC, to the second, with a Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class UndefinedTerm(Exception):
    """The document has a property or type that no context defines; signing it would leave it unsigned."""


@cache
def context_document(url: str) -> dict:
    return json.loads((CONTEXT_DIR / PINNED[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """Pinned contexts only: any other URL is an error, never a network request."""
    if url not in PINNED:
        raise jsonld.JsonLdError(f"context {url} is not pinned locally", "jsonld.LoadDocumentError",
                                 code="loading document failed")
    # "static": PyLD then keeps the processed context between operations instead of processing
    # it again for every document (the same documents come back for every credential).
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url), "tag": "static"}


def _options() -> dict:
    return {"documentLoader": document_loader, "base": None}


def _check_iris(node) -> None:
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type":
                for iri in value if isinstance(value, list) else [value]:
                    if ":" not in iri:
                        raise UndefinedTerm(f"type '{iri}' is not defined by any context")
            elif key == "@id" and isinstance(value, str) and ":" not in value:
                raise UndefinedTerm(f"'{value}' is a relative IRI")
            elif key != "@value":
                _check_iris(value)


# Processed contexts by (active context, local context, how it is applied); see _Processor. A credential
# and its proof use a dozen; the cap keeps uploads with ever new inline contexts from growing it.
_processed_contexts: dict[tuple, frozendict] = {}
_PROCESSED_CONTEXTS_KEPT = 64


class _Processor(jsonld.JsonLdProcessor):
    """PyLD's processor, remembering each context it processed on top of an immutable active context.

    PyLD keeps processed contexts itself, but keyed by the active context's id, and a type-scoped
    context gives each node a fresh copy with a new id: so the OB 3.0 contexts' scoped term
    definitions were processed again for every node of every credential (about half the time of
    signing one). An active context that PyLD has frozen never changes, so its id and the local
    context determine the result."""

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True,
                         validate_scoped=True, cycles=None):
        if cycles or not isinstance(active_ctx, frozendict) or "_uuid" not in active_ctx:
            return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                            validate_scoped, cycles)
        key = (active_ctx["_uuid"], json.dumps(local_ctx, sort_keys=True, default=dict), override_protected,
               propagate, validate_scoped, options.get("base"), options.get("processingMode"))
        processed = _processed_contexts.get(key)
        if processed is None:
            processed = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                                 validate_scoped, cycles)
            if isinstance(processed, frozendict):
                if len(_processed_contexts) >= _PROCESSED_CONTEXTS_KEPT:
                    _processed_contexts.clear()  # documents with ever new inline contexts: start again
                _processed_contexts[key] = processed
        return processed


def _undefined_property(name):
    raise UndefinedTerm(f"property '{name}' is not defined by any context")


class _CheckingProcessor(_Processor):
    """Drops no term silently and refuses relative IRIs in the expanded form, including the expansion
    that canonicalisation makes on its way to RDF (so the document is expanded once, not twice)."""

    def __init__(self):
        super().__init__(on_property_dropped=_undefined_property)

    def expand(self, input_, options):
        expanded = super().expand(input_, options)
        _check_iris(expanded)
        return expanded


def _normalize(processor: jsonld.JsonLdProcessor, document: dict) -> str:
    return processor.normalize(document, {**_options(), "algorithm": "URDNA2015", "format": "application/n-quads"})


def canonicalize_fully_defined(document: dict) -> str:
    """canonicalize(document). Raises UndefinedTerm unless every property and type of `document` expands
    to an absolute IRI."""
    return _normalize(_CheckingProcessor(), document)


def canonicalize(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads."""
    return _normalize(_Processor(), document)
