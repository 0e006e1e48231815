"""The documentation's code runs and prints what the pages show.

Every ```python block of every page under docs/ runs, page by page in one namespace, and its
printed output must equal the ```text block after it (see docs/_ext/runnable_pages.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import runnable_pages  # noqa: E402 - found through the path above

PAGES = runnable_pages.runnable_pages()


def test_every_chapter_is_run() -> None:
    chapters = runnable_pages.tutorial_pages()
    assert len(chapters) == 8
    assert set(chapters) <= set(PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_prints_what_it_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # figures the code writes land here
    assert runnable_pages.check_page(page) > 0


PAGE = """# A page

```python
print(1 + 1)
```

```text
{shown}
```

```console
$ not run
```

```python
x = 3
```
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_matching_output_passes_and_other_fences_are_not_run(tmp_path: Path) -> None:
    assert runnable_pages.check_page(_write(tmp_path, PAGE.format(shown="2"))) == 2


def test_a_different_output_fails(tmp_path: Path) -> None:
    with pytest.raises(runnable_pages.PageOutputError, match="the page shows\n3\nbut the code"):
        runnable_pages.check_page(_write(tmp_path, PAGE.format(shown="3")))


def test_printing_without_a_text_block_fails(tmp_path: Path) -> None:
    text = PAGE.format(shown="2").replace("x = 3", "print(x := 3)")
    with pytest.raises(runnable_pages.PageOutputError, match="no ```text block follows"):
        runnable_pages.check_page(_write(tmp_path, text))


def test_a_text_block_after_prose_is_not_an_output() -> None:
    text = "```python\nx = 1\n```\n\nSome prose.\n\n```text\n1\n```\n"
    blocks = runnable_pages.python_blocks(text)
    assert [b.expected for b in blocks] == [None]
