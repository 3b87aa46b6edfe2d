"""schemathesis hooks for `npm run check:api` (dev check, not product code): the API's one cross-field rule, which
JSON Schema cannot express, so generated 'valid' requests respect it: year_from is not after year_to (query string,
search body, and recommend's filters)."""
import schemathesis


def _years_ordered(values):
    if not isinstance(values, dict):
        return True
    lo, hi = values.get("year_from"), values.get("year_to")
    try:
        return lo is None or hi is None or lo == "" or hi == "" or int(lo) <= int(hi)
    except (TypeError, ValueError):
        return True  # not integers: the schema's own rules reject them


@schemathesis.hook
def filter_case(context, case):
    body = case.body if isinstance(case.body, dict) else {}
    return _years_ordered(case.query) and _years_ordered(body) and _years_ordered(body.get("filters"))
