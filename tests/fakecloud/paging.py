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


def listing(collection, items, query, base_url):
    """The list body: {collection: [...], collection_links: [...]} (links only when there are any)."""
    chunk, links = page(items, query, base_url, collection)
    body = {collection: chunk}
    if links:
        body[collection + "_links"] = links
    return body
