"""Research sources through the real httpx, trafilatura and pypdf against a loopback HTTP server
(no internet): pages, PDFs, files, pasted text, and every way they can be refused."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pytest_httpserver import HTTPServer
from werkzeug import Response

from pipelines.errors import ScriptwrightError
from pipelines.evidence.fetch import MAX_BYTES, FetchedSource, fetch_url, from_text, load, read_file

ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Why Kites Fly | Sky Blog</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/shop">Shop kites</a></nav>
<article><h1>Why kites fly</h1>
<p>A kite is a wing on a string. The string holds the kite at an angle to the wind.</p>
<p>Air pushed down by the sail pushes the kite up; that push is the lift that keeps it aloft.</p>
<p>When the wind drops, let out line slowly and the kite climbs back into stronger air.</p>
</article>
<footer><p>Copyright 2024 Sky Blog. All rights reserved. Privacy policy.</p></footer>
<script>trackVisitor("kites");</script></body></html>"""

PARAGRAPHS = [
    "A kite is a wing on a string. The string holds the kite at an angle to the wind.",
    "Air pushed down by the sail pushes the kite up; that push is the lift that keeps it aloft.",
    "When the wind drops, let out line slowly and the kite climbs back into stronger air.",
]

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
CHUNK = b"<p>" + b"kite " * 13106 + b"</p>\n"  # 65,538 bytes


def tiny_pdf(*pages: str, title: str | None = None) -> bytes:
    """A minimal valid PDF written by hand: one Helvetica text line per page and a correct xref table."""
    n = len(pages)
    font = 3 + 2 * n
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
    for i, line in enumerate(pages):
        stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % line.encode("latin-1")
        objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, 4 + 2 * i),
                    b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)]
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


PDF = tiny_pdf("Lift is the push of air on the sail.", "A longer line lets the kite climb higher.",
               title="Kite Physics Notes")


pytestmark = pytest.mark.usefixtures("no_proxies")


def refused(call, *args, **kwargs) -> str:
    """The one-line message of the ScriptwrightError the call raises."""
    with pytest.raises(ScriptwrightError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def serve(httpserver: HTTPServer, path: str, body: bytes | str, content_type: str, status: int = 200) -> str:
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type=content_type)
    return httpserver.url_for(path)


def streaming(total: int, sent: list[int], headers: dict[str, str]) -> Response:
    """A response that produces `total` bytes chunk by chunk, counting what it produced in `sent`."""
    def body() -> Iterator[bytes]:
        while sent[0] < total:
            sent[0] += len(CHUNK)
            yield CHUNK
    return Response(body(), headers=headers, content_type="text/html")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- web pages

def test_article_keeps_the_paragraphs_and_drops_the_boilerplate(httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/kites", ARTICLE, "text/html; charset=utf-8")
    source = fetch_url(url)
    assert (source.kind, source.uri, source.content_type) == ("url", url, "text/html")
    assert source.title == "Why kites fly"
    assert source.text == "\n\n".join(["Why kites fly", *PARAGRAPHS])
    for boilerplate in ("Home", "Shop kites", "Copyright", "trackVisitor"):
        assert boilerplate not in source.text
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()
    assert "Scriptwright" in httpserver.log[-1][0].headers["User-Agent"]


def test_page_trafilatura_finds_empty_falls_back_to_its_paragraphs(httpserver: HTTPServer) -> None:
    html = ("<html><head><title>Kite notes</title><style>p { color: red }</style></head><body>"
            "<script>track()</script><div class='comments'><h2>Lift</h2><p>A kite is a wing on a string.</p>"
            "<ul><li>Let out line slowly.</li><li>Keep the bridle straight.</li></ul></div></body></html>")
    source = fetch_url(serve(httpserver, "/notes", html, "text/html"))
    assert source.title == "Kite notes"
    assert source.text == "Lift\n\nA kite is a wing on a string.\n\nLet out line slowly.\n\nKeep the bridle straight."


def test_charset_from_the_header_and_repeated_paragraphs_once(httpserver: HTTPServer) -> None:
    html = ("<html><head><title>Caf\xe9 physics</title></head><body><article>"
            "<p>Caf\xe9   foam\tholds air.</p><p>Caf\xe9 foam holds air.</p><p>Milk\x07 proteins trap it.</p>"
            "</article></body></html>").encode("latin-1")
    source = fetch_url(serve(httpserver, "/cafe", html, "text/html; charset=iso-8859-1"))
    assert source.title == "Café physics"
    assert source.text == "Café foam holds air.\n\nMilk proteins trap it."


def test_redirect_gives_the_final_address(httpserver: HTTPServer) -> None:
    final = serve(httpserver, "/article", ARTICLE, "text/html")
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/moved"})
    httpserver.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "/article"})
    source = fetch_url(httpserver.url_for("/old"))
    assert source.uri == final and source.title == "Why kites fly"


def test_redirect_loop_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    url = httpserver.url_for("/loop")
    assert refused(fetch_url, url) == (f"{url} redirects more than 5 times; "
                                       "open it in a browser and give the final address.")


def test_redirect_to_another_scheme_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ftp").respond_with_data("", status=302, headers={"Location": "ftp://127.0.0.1/x"})
    url = httpserver.url_for("/ftp")
    assert refused(fetch_url, url).startswith(f"{url} could not be downloaded (")


# --------------------------------------------------------------------------- PDFs and text over HTTP

def test_pdf_link_is_read_page_by_page(httpserver: HTTPServer) -> None:
    source = fetch_url(serve(httpserver, "/paper.pdf", PDF, "application/pdf"))
    assert (source.content_type, source.title) == ("application/pdf", "Kite Physics Notes")
    assert source.text == "Lift is the push of air on the sail.\n\nA longer line lets the kite climb higher."


def test_pdf_served_as_octet_stream_is_sniffed(httpserver: HTTPServer) -> None:
    source = fetch_url(serve(httpserver, "/download", tiny_pdf("Sniffed by its header."), "application/octet-stream"))
    assert (source.content_type, source.text, source.title) == ("application/pdf", "Sniffed by its header.", "download")


@pytest.mark.parametrize(("path", "content_type", "expected"), [
    ("/notes.txt", "text/plain; charset=utf-8", "text/plain"),
    ("/notes.md", "text/markdown", "text/markdown"),
])
def test_text_and_markdown_are_used_as_they_are(httpserver: HTTPServer, path: str, content_type: str,
                                                expected: str) -> None:
    body = "# Kite   notes\n\n- lift\n- drag\n\n\n\nThe string holds the angle.  \n"
    source = fetch_url(serve(httpserver, path, body, content_type))
    assert (source.content_type, source.title) == (expected, "notes")
    assert source.text == "# Kite notes\n\n- lift\n- drag\n\nThe string holds the angle."


# --------------------------------------------------------------------------- refusals over HTTP

def test_missing_page_says_the_status(httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/gone", "<html><body><p>Nothing here.</p></body></html>", "text/html", status=404)
    assert refused(fetch_url, url) == (f"{url} returned 404 Not Found; "
                                       "check the link, or save the page as a file and give that.")


def test_unreachable_host() -> None:
    url = f"http://127.0.0.1:{free_port()}/article"
    message = refused(fetch_url, url)
    assert message.startswith(f"{url} could not be reached (")
    assert message.endswith("check the address and your connection.")


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:  # the kernel accepts the connection; nobody ever replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow"
        assert refused(fetch_url, url, timeout=0.3) == (f"{url} did not answer within 0.3 s; "
                                                        "try again later, or save the page as a file.")


TOO_LARGE = "is larger than the 10 MB limit for a source; save the part you need as a file or paste it."


def test_too_large_by_content_length_is_refused_before_the_body(httpserver: HTTPServer) -> None:
    total, sent = 20 * 2**20, [0]
    httpserver.expect_request("/big").respond_with_handler(
        lambda request: streaming(total, sent, {"Content-Length": str(total)}))
    url = httpserver.url_for("/big")
    assert refused(fetch_url, url) == f"{url} {TOO_LARGE}"
    assert sent[0] < total


def test_too_large_stream_without_length_stops_at_the_limit(httpserver: HTTPServer) -> None:
    total, sent = 256 * 2**20, [0]  # far more than the kernel buffers could hold on the way
    httpserver.expect_request("/endless").respond_with_handler(lambda request: streaming(total, sent, {}))
    url = httpserver.url_for("/endless")
    assert refused(fetch_url, url) == f"{url} {TOO_LARGE}"
    assert MAX_BYTES < sent[0] < total


@pytest.mark.parametrize("body", ["", "   \n", "<html><head><script>render()</script></head><body>"
                                  "<script>document.write('hi')</script></body></html>"])
def test_page_without_text(httpserver: HTTPServer, body: str) -> None:
    url = serve(httpserver, "/app", body, "text/html")
    assert refused(fetch_url, url) == (f"{url} has no readable text; "
                                       "it may need JavaScript or a login; paste the text you need.")


@pytest.mark.parametrize(("content_type", "body"), [
    ("image/png", PNG),
    ("application/zip", b"PK\x03\x04" + b"\x00" * 26),
    ("application/octet-stream", b"\x7fELF\x02\x01\x01"),
])
def test_unsupported_content_types(httpserver: HTTPServer, content_type: str, body: bytes) -> None:
    url = serve(httpserver, "/thing", body, content_type)
    assert refused(fetch_url, url) == (f"{url} is a {content_type} file, not a web page, PDF or text; "
                                       "give a link to an article or paste the text.")


def test_damaged_pdf_link(httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/broken.pdf", b"%PDF-1.4\nthis is not really a PDF", "application/pdf")
    message = refused(fetch_url, url)
    assert message.startswith(f"{url} is a damaged PDF (")


@pytest.mark.parametrize("url", ["ftp://x", "javascript:alert(1)", "file:///etc/passwd"])
def test_links_that_are_not_web_pages(url: str) -> None:
    assert refused(fetch_url, url) == (f"{url}: only http:// and https:// links can be fetched; "
                                       "save the source as a file or paste its text.")


@pytest.mark.parametrize("url", ["http://[::1", "http://", "https:///path"])
def test_malformed_link(url: str) -> None:
    assert refused(fetch_url, url).startswith(f"{url} is not a valid link (")


# --------------------------------------------------------------------------- files

def test_read_html_markdown_and_text_files(tmp_path: Path) -> None:
    (tmp_path / "kites.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "lift.md").write_text("# Lift\n\nAir pushed down   pushes up.\r\n\r\n\r\n\r\nThat is all.\n")
    (tmp_path / "drag.txt").write_bytes("\ufeffDrag slows the kite.\n\nDrag slows the kite.\n".encode())
    html = read_file(tmp_path / "kites.html")
    assert (html.kind, html.uri, html.content_type) == ("file", str((tmp_path / "kites.html").resolve()), "text/html")
    assert html.title == "Why kites fly" and html.text.endswith(PARAGRAPHS[-1])
    md = read_file(tmp_path / "lift.md")
    assert (md.title, md.content_type, md.text) == ("lift", "text/markdown",
                                                    "# Lift\n\nAir pushed down pushes up.\n\nThat is all.")
    txt = read_file(tmp_path / "drag.txt")
    assert (txt.title, txt.content_type, txt.text) == ("drag", "text/plain", "Drag slows the kite.")


def test_read_pdf_file(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(PDF)
    source = read_file(path)
    assert (source.content_type, source.title) == ("application/pdf", "Kite Physics Notes")
    assert "Lift is the push of air on the sail." in source.text
    assert PdfReader(io.BytesIO(PDF)).pages[1].extract_text() == "A longer line lets the kite climb higher."


def test_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    (tmp_path / "saved.page").write_text(ARTICLE)
    (tmp_path / "notes").write_text("Tension runs along the line.")
    assert read_file(tmp_path / "saved.page").content_type == "text/html"
    assert read_file(tmp_path / "notes").text == "Tension runs along the line."


def test_windows_and_utf16_text_files_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "cp1252.txt").write_bytes("Na\u00efve \u201ckite\u201d theory \u2013 revisited".encode("cp1252"))
    (tmp_path / "utf16.txt").write_bytes("Kite \u2192 wind".encode("utf-16"))
    assert read_file(tmp_path / "cp1252.txt").text == "Na\u00efve \u201ckite\u201d theory \u2013 revisited"
    assert read_file(tmp_path / "utf16.txt").text == "Kite \u2192 wind"


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    assert refused(read_file, path) == (f"{path} is a password-protected PDF; "
                                        "save an unlocked copy or paste its text.")


def test_scanned_pdf_without_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(tiny_pdf(""))
    assert refused(read_file, path) == f"{path} has no readable text; it may be a scanned PDF; paste its text."


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("empty.txt", b"", "has no readable text; check that it is the file you meant."),
    ("blank.md", b" \n\t\n", "has no readable text; check that it is the file you meant."),
    ("photo.png", PNG, "looks like a binary file, not text"),
    ("disguised.txt", b"plain words\x00\x01\x02", "looks like a binary file, not text"),
    ("odd.txt", b"caf\x81 \x8d\x9d", "is not UTF-8 text; save it as UTF-8 and try again."),
    ("broken.pdf", b"not a pdf at all", "is a damaged PDF ("),
])
def test_unreadable_files(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    message = refused(read_file, path)
    assert message.startswith(str(path)) and expected in message


def test_missing_file_folder_and_too_large(tmp_path: Path) -> None:
    assert refused(read_file, tmp_path / "nope.txt") == f"{tmp_path / 'nope.txt'}: no such file; check the path."
    assert "File name too long" in refused(read_file, tmp_path / ("x" * 5000))
    assert refused(read_file, tmp_path) == f"{tmp_path} is a folder; give one file from it."
    big = tmp_path / "big.txt"
    big.write_text("kite " * 300)
    assert refused(read_file, big, max_bytes=1000) == (f"{big} is larger than the 1,000 byte limit for a source; "
                                                       "save the part you need as a file or paste it.")


# --------------------------------------------------------------------------- pasted text and load()

def test_pasted_text() -> None:
    source = from_text("  Kites need wind.\n\n\n\nLift   comes from the sail and the string pulls down hard.  ")
    assert source.text == "Kites need wind.\n\nLift comes from the sail and the string pulls down hard."
    assert source == FetchedSource("text", f"pasted:{source.sha256[:8]}", "Kites need wind.", source.text,
                                   "text/plain", hashlib.sha256(source.text.encode()).hexdigest())
    ten_words = "One two three four five six seven eight nine ten"
    assert from_text(ten_words).title == "One two three four five six seven eight"
    assert from_text("Body.", title="  My\nnotes ").title == "My notes"


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\x00\x07"])
def test_empty_pasted_text(text: str) -> None:
    assert refused(from_text, text) == "The pasted text is empty; paste the passage you want to use as a source."


def test_load_dispatches_links_and_paths(httpserver: HTTPServer, tmp_path: Path) -> None:
    url = serve(httpserver, "/kites", ARTICLE, "text/html")
    assert load(f"  {url} ").kind == "url"
    path = tmp_path / "notes.md"
    path.write_text("Kites are wings.")
    assert (load(str(path)).kind, load(str(path)).uri) == ("file", str(path.resolve()))


@pytest.mark.parametrize("spec", ["ftp://x", "javascript:alert(1)", "file:///etc/passwd"])
def test_load_refuses_other_schemes(spec: str) -> None:
    assert refused(load, spec) == (f"{spec}: only http:// and https:// links can be fetched; "
                                   "save the source as a file or paste its text.")


@pytest.mark.parametrize("spec", ["", "no/such/notes.txt", "www.example.com/kites"])
def test_load_refuses_what_is_neither(spec: str) -> None:
    assert refused(load, spec) == (f"'{spec}' is not a link or an existing file; give an https:// link or a file "
                                   "path, or paste the text instead.")


def test_load_names_a_long_pasted_passage_in_one_short_line() -> None:
    message = refused(load, "Kites fly because\n" + "the wind pushes the sail " * 400)
    assert message.startswith("'Kites fly because the wind pushes") and len(message) < 300
