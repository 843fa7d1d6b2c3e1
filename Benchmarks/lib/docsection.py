"""The marked sections of Docs/performance.md that each benchmark rewrites from its results."""


def replace_section(path, begin, end, block, heading=None, new_doc=None):
    """Writes `block` (a whole section: it starts with the `begin` marker and ends with the `end` marker) into the
    document at `path`, in place of the text from `begin` through `end` where both markers are there; otherwise
    at the end of the document, after a `heading` line when one is given. A missing document is started from
    `new_doc` when that is given; without it FileNotFoundError is raised."""
    try:
        with open(path) as f:
            doc = f.read()
    except FileNotFoundError:
        if new_doc is None:
            raise
        doc = new_doc
    if begin in doc and end in doc:
        doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + (f"{heading}\n\n" if heading else "") + block + "\n"
    with open(path, "w") as f:
        f.write(doc)
