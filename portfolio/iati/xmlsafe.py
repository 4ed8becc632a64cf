"""Reading untrusted XML safely and in constant memory: no DTD at all (so no entity can expand: billion
laughs, external entities), no network, lxml's default limits on depth and text size (huge_tree off), and
each `iati-activity` (or `iati-organisation`) handed over whole, then cleared with what came before it."""
import io
import os
import re

from lxml import etree

PROLOG_BYTES = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


class NotWellFormed(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _prolog_check(head: bytes) -> None:
    """A DOCTYPE can only come before the root element: refuse any in the prolog."""
    root = _ROOT_START.search(head)
    prolog = head[:root.start()] if root else head
    found = _DOCTYPE.search(prolog)
    if found:
        raise NotWellFormed("The file declares a DTD (<!DOCTYPE ...>); DTDs and entities are not accepted.",
                            prolog.count(b"\n", 0, found.start()) + 1)


def open_source(source):
    """A binary stream over a path, bytes or a binary file, its prolog checked."""
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        stream = open(source, "rb")  # noqa: SIM115 (closed by records())
    else:
        stream = source
    reader = stream if hasattr(stream, "peek") else io.BufferedReader(stream, PROLOG_BYTES)
    _prolog_check(reader.peek(PROLOG_BYTES)[:PROLOG_BYTES])
    return reader


def records(source, tags: tuple[str, ...] = ("iati-activity", "iati-organisation")):
    """(root element, record element, its index from 1) for every child of the root named in `tags`, streamed;
    (root, None, 0) when there is none. The root (with its attributes) comes with each; raises NotWellFormed."""
    stream = open_source(source)
    context = etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True,
                              huge_tree=False, load_dtd=False, dtd_validation=False, remove_comments=True,
                              remove_pis=True)
    root, index, depth = None, 0, 0
    try:
        for event, element in context:
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                continue
            depth -= 1
            if depth == 1 and element.tag in tags:
                index += 1
                yield root, element, index
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del root[0]
        if root is None:
            raise NotWellFormed("The file has no root element.")
        if index == 0:
            yield root, None, 0
    except etree.XMLSyntaxError as exc:
        raise NotWellFormed(f"The file is not well-formed XML: {exc.msg}", exc.lineno) from exc
    finally:
        if stream is not source:
            stream.close()
