"""Write lib/attnlib/data/files/stdlib_topics.json from this Python's standard library.

    python tools/make_stdlib_topics.py

Run once; the file records the Python version it was made with. Re-running it under another
Python changes the documents and therefore every number in the topic-classification chapter.
"""

from __future__ import annotations

import json
from pathlib import Path

from attnlib.data.stdlib_topics import FILE, make_stdlib_topics, validate_corpus

OUT = Path(__file__).resolve().parents[1] / "lib" / "attnlib" / "data" / "files" / FILE

if __name__ == "__main__":
    corpus = make_stdlib_topics()
    validate_corpus(corpus)
    OUT.write_text(json.dumps(corpus, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"{OUT}: {len(corpus['documents'])} documents, Python {corpus['python_version']}, "
        f"{OUT.stat().st_size:,} bytes"
    )
