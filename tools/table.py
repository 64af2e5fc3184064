"""Plain-text tables a person reads in seconds."""


def table(headers, rows):
    """Left-aligned columns separated by two spaces, a rule under the header."""
    rows = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line([str(h) for h in headers]), line(["-" * w for w in widths])] + [line(r) for r in rows])
