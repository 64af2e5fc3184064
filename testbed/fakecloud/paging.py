"""List filtering and pagination: at most 100 items a page, `limit`/`marker`, `{collection}_links`."""
from urllib.parse import urlencode

from .errors import bad_request

PAGE_MAX = 100


def matches(item, filters, fields):
    """True when `item` passes every filter named in `fields`.

    `filters` maps a query parameter to the list of its values (repeated parameters are OR-ed);
    `fields` maps a parameter to a function item -> set of strings it may match.
    Parameters not in `fields` are ignored, as Neutron and Nova do.
    """
    for key, values in filters.items():
        if key not in fields:
            continue
        have = fields[key](item)
        if not have & {str(v) for v in values}:
            return False
    return True


def page(items, query, base_url, collection):
    """Slice sorted `items` per `limit`/`marker`; returns (page, links)."""
    limit = PAGE_MAX
    if "limit" in query:
        raw = query["limit"][-1]
        try:
            limit = int(raw)
        except ValueError:
            raise bad_request("limit must be an integer, got %r" % raw)
        if limit < 1:
            raise bad_request("limit must be a positive integer, got %r" % raw)
        limit = min(limit, PAGE_MAX)
    start = 0
    marker = query.get("marker", [None])[-1]
    if marker is not None:
        ids = [item["id"] for item in items]
        if marker not in ids:
            raise bad_request("marker %s not found" % marker, "MarkerNotFound")
        start = ids.index(marker) + 1
    chunk = items[start:start + limit]
    links = []
    keep = [(k, v) for k, vs in sorted(query.items()) if k not in ("limit", "marker") for v in vs]
    if start + limit < len(items):
        links.append({"rel": "next", "href": "%s?%s" % (
            base_url, urlencode(keep + [("limit", limit), ("marker", chunk[-1]["id"])]))})
    if marker is not None and chunk:
        links.append({"rel": "previous", "href": "%s?%s" % (
            base_url, urlencode(keep + [("limit", limit), ("marker", chunk[0]["id"]), ("page_reverse", "True")]))})
    return chunk, links


def everything(items):
    """The pager that returns every item on one page, without links (white-box use of the rules)."""
    return items, []


def pager(query, base_url):
    """A function sorted items -> (page, links) for one request's `limit`/`marker`."""
    return lambda items: page(items, query, base_url, None)


def paged(records, view, pager_fn):
    """(views of one page, links): sort records by id, cut the page, and only then build its views,
    so that a page of a large account costs one page of views, not the whole account's."""
    chunk, links = pager_fn(sorted(records, key=lambda rec: rec["id"]))
    return [view(rec) for rec in chunk], links


def body(collection, chunk, links):
    """The list body: {collection: [...], collection_links: [...]} (links only when there are any)."""
    out = {collection: chunk}
    if links:
        out[collection + "_links"] = links
    return out


def listing(collection, items, query, base_url):
    """The list body: {collection: [...], collection_links: [...]} (links only when there are any)."""
    chunk, links = page(items, query, base_url, collection)
    return body(collection, chunk, links)
