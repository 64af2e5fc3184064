"""Median, min and max of repeated measurements."""

import statistics


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values),
            "values": values}


def show(summ, unit="", digits=0):
    if not summ:
        return "n/a"
    fmt = f"{{:.{digits}f}}"
    med, lo, hi = (fmt.format(summ[k]) for k in ("median", "min", "max"))
    if lo == hi:
        return f"{med}{unit}"
    return f"{med}{unit} ({lo}-{hi})"
