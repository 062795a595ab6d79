"""Research sources as clean text: a web page, a PDF, a local file or pasted text."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx
import lxml.html
import trafilatura
from lxml import etree
from pypdf import PdfReader

from pipelines.errors import ScriptwrightError

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0 Safari/537.36 Scriptwright/0.1 (research workbench)")

_SUFFIX_TYPES = {".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf",
                 ".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_MARKDOWN_TYPES = {"text/markdown", "text/x-markdown"}
_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "dd", "dt")
_BOILERPLATE = "//script|//style|//noscript|//template|//nav|//header|//footer|//aside|//form"
_SNIFF = 8192

_WEB = re.compile(r"https?://", re.I)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]+:", re.I)  # two letters or more, so `C:\notes.txt` is a path
_LOOKS_HTML = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")
_BLOCK_BREAK = re.compile(r"\n(?!- |\| )")  # trafilatura puts one block a line; list items and table rows stay together
_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufeff]")
_EXTRA_BREAKS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class FetchedSource:
    """One research source as clean text."""

    kind: str  # "url" | "file" | "text"
    uri: str  # final URL after redirects, resolved file path, or "pasted:<sha8>"
    title: str
    text: str  # paragraphs separated by one blank line
    content_type: str  # "text/html" | "application/pdf" | "text/plain" | "text/markdown"
    sha256: str  # of `text`


def fetch_url(url: str, *, timeout: float = 20.0, max_bytes: int = MAX_BYTES) -> FetchedSource:
    """Download a web page, PDF or text file, never reading more than `max_bytes`."""
    name = _label(url)
    try:
        link = httpx.URL(url)
        if link.scheme in ("http", "https") and not link.host:
            raise httpx.InvalidURL("no host name")
    except httpx.InvalidURL as exc:
        raise ScriptwrightError(f"{name} is not a valid link ({exc}); copy the full address from the browser.") from exc
    if link.scheme not in ("http", "https"):
        raise _not_web(name)
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout,
                          headers={"User-Agent": USER_AGENT}) as client, client.stream("GET", link) as response:
            if response.status_code >= 400:
                code = response.status_code
                status = f"{code} {httpx.codes.get_reason_phrase(code) or response.reason_phrase}".strip()
                raise ScriptwrightError(f"{name} returned {status}; "
                                        "check the link, or save the page as a file and give that.")
            data = _read_capped(response, name, max_bytes)
            final_url = str(response.url)
            declared = _mime(response.headers.get("content-type", ""))
            charset = response.charset_encoding
    except httpx.TooManyRedirects as exc:
        raise ScriptwrightError(f"{name} redirects more than {MAX_REDIRECTS} times; "
                                "open it in a browser and give the final address.") from exc
    except httpx.TimeoutException as exc:
        raise ScriptwrightError(f"{name} did not answer within {timeout:g} s; "
                                "try again later, or save the page as a file.") from exc
    except httpx.ConnectError as exc:
        raise ScriptwrightError(f"{name} could not be reached ({_reason(exc)}); "
                                "check the address and your connection.") from exc
    except httpx.HTTPError as exc:
        raise ScriptwrightError(f"{name} could not be downloaded ({_reason(exc)}); "
                                "save the page as a file or paste its text.") from exc
    content_type, text, title = _extract(data, declared, charset, name)
    return _source("url", final_url, title or _title_from_url(link), text, content_type, name)


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> FetchedSource:
    """Read a local .html/.htm, .pdf, .txt or .md file; other files are sniffed, binary ones refused."""
    path = Path(path).expanduser()
    try:
        if not path.is_file():
            raise ScriptwrightError(f"{path} is a folder; give one file from it." if path.is_dir()
                                    else f"{path}: no such file; check the path.")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ScriptwrightError(f"{_label(str(path))} could not be read ({exc.strerror or exc}); "
                                "check the path and that the file is yours to open.") from exc
    if len(data) > max_bytes:
        raise _too_large(str(path), max_bytes)
    content_type, text, title = _extract(data, _SUFFIX_TYPES.get(path.suffix.lower(), ""), None, str(path))
    return _source("file", str(path.resolve()), title or path.stem, text, content_type, str(path))


def from_text(text: str, title: str | None = None) -> FetchedSource:
    """Pasted text as a source, cleaned like any other."""
    clean = _clean(text)
    if not clean:
        raise ScriptwrightError("The pasted text is empty; paste the passage you want to use as a source.")
    digest = hashlib.sha256(clean.encode()).hexdigest()
    first_words = " ".join(clean.split("\n", 1)[0].split()[:8])
    return FetchedSource("text", f"pasted:{digest[:8]}", _one_line(title or "") or first_words, clean,
                         "text/plain", digest)


def load(spec: str) -> FetchedSource:
    """A source from an http(s) link or an existing file path."""
    spec = spec.strip()
    if _WEB.match(spec):
        return fetch_url(spec)
    if _exists(spec):
        return read_file(Path(spec))
    if _SCHEME.match(spec):
        raise _not_web(_label(spec))
    raise ScriptwrightError(f"'{_label(spec)}' is not a link or an existing file; "
                            "give an https:// link or a file path, or paste the text instead.")


def _exists(spec: str) -> bool:
    try:
        return bool(spec) and Path(spec).expanduser().exists()
    except OSError:  # e.g. a name too long to be a path
        return False


def _label(text: str) -> str:
    """A user's input as one short line for a message."""
    line = _one_line(text)
    return line if len(line) <= 160 else line[:159] + "…"


def _not_web(link: str) -> ScriptwrightError:
    return ScriptwrightError(f"{link}: only http:// and https:// links can be fetched; "
                             "save the source as a file or paste its text.")


def _too_large(name: str, max_bytes: int) -> ScriptwrightError:
    size = f"{max_bytes / 2**20:.3g} MB" if max_bytes >= 2**20 else f"{max_bytes:,} byte"
    return ScriptwrightError(f"{name} is larger than the {size} limit for a source; "
                             "save the part you need as a file or paste it.")


def _reason(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]


def _mime(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


def _read_capped(response: httpx.Response, name: str, max_bytes: int) -> bytes:
    """The body, refused as soon as its declared or received size passes `max_bytes`."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(name, max_bytes)
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes)
    return bytes(data)


def _title_from_url(link: httpx.URL) -> str:
    last = unquote(link.path.rstrip("/").rsplit("/", 1)[-1])
    return Path(last).stem or link.host


def _extract(data: bytes, declared: str, charset: str | None, name: str) -> tuple[str, str, str]:
    """(content type, raw text, title) of a downloaded or read source."""
    if declared == "application/pdf" or data[:1024].lstrip().startswith(b"%PDF-"):
        return ("application/pdf", *_pdf(data, name))
    if not declared:
        declared = "text/html" if _LOOKS_HTML.match(data[:_SNIFF]) else "text/plain"
    if declared in _HTML_TYPES:
        meta = _META_CHARSET.search(data[:_SNIFF])
        declared_charset = charset or (meta.group(1).decode("ascii") if meta else None)
        return ("text/html", *_html(_decode(data, name, declared_charset)))
    if declared.startswith("text/"):
        return ("text/markdown" if declared in _MARKDOWN_TYPES else "text/plain", _decode(data, name, charset), "")
    raise ScriptwrightError(f"{name} is a {declared} file, not a web page, PDF or text; "
                            "give a link to an article or paste the text.")


def _decode(data: bytes, name: str, charset: str | None = None) -> str:
    """Text in the declared charset, else UTF-8, else cp1252 if it decodes cleanly."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        charset = "utf-16"
    elif b"\x00" in data[:_SNIFF]:
        raise ScriptwrightError(f"{name} looks like a binary file, not text; "
                                "give a web page, a PDF, a .txt or .md file, or paste the text.")
    for encoding in (charset, "utf-8-sig", "cp1252"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    raise ScriptwrightError(f"{name} is not UTF-8 text; save it as UTF-8 and try again.")


def _html(html: str) -> tuple[str, str]:
    """Main text (one block a line) and title of an HTML page."""
    html = _XML_DECL.sub("", html, count=1)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # empty, or nothing but comments
        return "", ""
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True,
                               output_format="txt") or _plain_blocks(tree)
    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta else None) or tree.findtext(".//title") or ""
    return _BLOCK_BREAK.sub("\n\n", text), title


def _plain_blocks(tree: lxml.html.HtmlElement) -> str:
    """Paragraphs, list items and headings outside navigation, for pages trafilatura finds empty."""
    for element in tree.xpath(_BOILERPLATE):
        element.drop_tree()
    leaves = (el for el in tree.iter(*_BLOCKS) if next(el.iterdescendants(*_BLOCKS), None) is None)
    return "\n".join(el.text_content() for el in leaves)


def _pdf(data: bytes, name: str) -> tuple[str, str]:
    """Text of every page and the metadata title of a PDF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
        title = "" if locked or reader.metadata is None else reader.metadata.title or ""
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ScriptwrightError(f"{name} is a damaged PDF ({_reason(exc)}); "
                                "open it in a PDF viewer and save a fresh copy, or paste its text.") from exc
    if locked:
        raise ScriptwrightError(f"{name} is a password-protected PDF; save an unlocked copy or paste its text.")
    return "\n\n".join(pages), str(title)


def _clean(text: str) -> str:
    """Whitespace normalised inside lines, control characters out, paragraphs one blank line apart,
    exact repeated paragraphs dropped."""
    lines = (_SPACES.sub(" ", _CONTROL.sub("", line)).strip()
             for line in unicodedata.normalize("NFC", text).splitlines())
    paragraphs = _EXTRA_BREAKS.sub("\n\n", "\n".join(lines)).strip().split("\n\n")
    return "\n\n".join(dict.fromkeys(paragraphs)).strip()


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


def _source(kind: str, uri: str, title: str, raw: str, content_type: str, name: str) -> FetchedSource:
    text = _clean(raw)
    if not text:
        advice = ("it may be a scanned PDF; paste its text" if content_type == "application/pdf"
                  else "it may need JavaScript or a login; paste the text you need" if kind == "url"
                  else "check that it is the file you meant")
        raise ScriptwrightError(f"{name} has no readable text; {advice}.")
    return FetchedSource(kind, uri, _one_line(title)[:300], text, content_type,
                         hashlib.sha256(text.encode()).hexdigest())
