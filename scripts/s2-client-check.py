"""Dev check (not product code): the PyPI `semanticscholar` client, pointed at a running paperscope, gets search
results, a paper by id with fields, and recommendations. Usage: python s2-client-check.py BASE_URL [API_KEY]"""
import sys

from semanticscholar import SemanticScholar
from semanticscholar.SemanticScholarException import ObjectNotFoundException

base = sys.argv[1].rstrip("/")
sch = SemanticScholar(api_url=base, api_key=sys.argv[2] if len(sys.argv) > 2 else None, timeout=30, retry=False)
failures = []


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
    if not ok:
        failures.append(name)


# Search with the client's default fields (it asks for every search field S2 has), then one page further.
results = sch.search_paper("pipeline parallel mixture of experts", limit=5)
check("search returns papers", len(results.items) == 5 and results.total >= 5, f"total {results.total}")
first = results.items[0]
check("search hit has S2 fields", bool(first.paperId and first.title) and isinstance(first.authors, list), first.title)
results.next_page()
check("search pages with next", len(results.items) == 10 and len({p.paperId for p in results.items}) == 10)

# A paper by arXiv id, DOI and own id, with fields.
paper = sch.get_paper("arXiv:2401.01234", fields=["title", "year", "authors", "externalIds", "fieldsOfStudy", "openAccessPdf", "publicationDate"])
check("paper by arXiv id", paper.paperId == "2401.01234" and paper.year == 2024, paper.title)
check("paper fields", paper.externalIds.get("ArXiv") == "2401.01234" and "Computer Science" in paper.fieldsOfStudy and paper.authors[0].name == "Ada Lovelace")
check("paper by DOI", sch.get_paper("DOI:10.1000/bayes.2021", fields=["title"]).paperId == "lab-note-7")
full = sch.get_paper(paper.paperId)  # the client's default: every paper field S2 has
check("paper with the client's default fields", full.title == paper.title and full.citations == [] and full.citationCount is None)
try:
    sch.get_paper("arXiv:9999.99999")
    check("unknown paper is not found", False)
except ObjectNotFoundException as e:
    check("unknown paper is not found", True, str(e))

# Recommendations for one paper and for lists of examples.
recs = sch.get_recommended_papers("arXiv:2401.01234", limit=5)
check("recommendations for a paper", len(recs) == 5 and all(r.paperId != "2401.01234" for r in recs), ", ".join(r.paperId for r in recs[:3]))
recs = sch.get_recommended_papers_from_lists(["arXiv:2401.01234", "2305.00001"], ["hep-th/9901001"], limit=5)
ids = {r.paperId for r in recs}
check("recommendations from lists", len(recs) == 5 and not ids & {"2401.01234", "2305.00001v2", "hep-th/9901001"})

# Batch lookup.
batch = sch.get_papers(["arXiv:2401.01234", "hep-th/9901001"], fields=["title", "year", "externalIds"])
check("batch lookup", [p.paperId for p in batch] == ["2401.01234", "hep-th/9901001"])

print(f"{len(failures)} failed" if failures else "s2 client check: all passed")
sys.exit(1 if failures else 0)
