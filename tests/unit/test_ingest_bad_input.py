"""Bad caption input: every failure is a ScriptwrightError with one line that names the file."""

from __future__ import annotations

import codecs
import json
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipelines.errors import ScriptwrightError
from pipelines.ingest.files import collect, doc_from_group, group_files
from pipelines.ingest.model import Segment
from pipelines.ingest.parse import MAX_BYTES, parse_caption_bytes, parse_caption_file

CAPTION_EXTS = [".srt", ".vtt", ".json3", ".txt"]


def assert_user_error(exc: pytest.ExceptionInfo, name: str) -> str:
    """The message is one line, names the file, and is not a bare exception dump."""
    message = str(exc.value)
    assert type(exc.value) is ScriptwrightError
    assert "\n" not in message and "\r" not in message, message
    assert message.startswith(f"{name}:"), message
    assert "Traceback" not in message
    assert len(message) < 400
    return message


def parse_error(raw: bytes, name: str) -> str:
    with pytest.raises(ScriptwrightError) as exc:
        parse_caption_bytes(raw, name)
    return assert_user_error(exc, name)


# --------------------------------------------------------------------------- empty and binary

@pytest.mark.parametrize("ext", CAPTION_EXTS)
@pytest.mark.parametrize("raw", [b"", b"   \n\r\n\t  "], ids=["zero-bytes", "whitespace"])
def test_empty_file(raw, ext):
    assert "empty" in parse_error(raw, f"nothing{ext}")


def test_empty_file_on_disk(tmp_path: Path):
    path = tmp_path / "empty.srt"
    path.write_bytes(b"")
    with pytest.raises(ScriptwrightError) as exc:
        parse_caption_file(path)
    assert "empty" in assert_user_error(exc, "empty.srt")


@pytest.mark.parametrize("seed", range(5))
def test_random_binary_with_nuls_named_srt(seed):
    rng = random.Random(seed)
    raw = bytes(rng.randrange(256) for _ in range(4000)) + b"\x00\x00\x00"
    raw = raw[:100] + b"\x00" + raw[100:]
    assert "binary" in parse_error(raw, "movie.srt")


def test_binary_without_nuls_is_still_binary():
    raw = bytes(range(1, 32)) * 200  # control characters only, no NUL
    assert "binary" in parse_error(raw, "strange.vtt")


def test_an_image_renamed_to_txt():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randrange(256) for _ in range(500))
    assert "binary" in parse_error(png, "thumbnail.txt")


# --------------------------------------------------------------------------- malformed SRT

BAD_SRT_TIMESTAMPS = b"""1
00:00:01,000 --> banana
The first line

2
00:0x:02,000 --> 00:00:03,000
The second line
"""


def test_srt_with_bad_timestamps():
    message = parse_error(BAD_SRT_TIMESTAMPS, "broken.srt")
    assert "not a valid SRT" in message


def test_srt_with_only_prose():
    message = parse_error(b"This is just a paragraph of prose\nsaved with the wrong extension.\n", "essay.srt")
    assert "not a valid SRT" in message


def test_srt_with_only_sound_cues_has_no_text():
    raw = "1\n00:00:01,000 --> 00:00:02,000\n[Music]\n\n2\n00:00:02,000 --> 00:00:03,000\n\u266a \u266a\n".encode()
    assert "no caption text" in parse_error(raw, "music.srt")


def test_srt_missing_blank_lines_is_tolerated():
    # The parser deliberately recovers from this common damage instead of refusing the file.
    raw = (b"1\n00:00:01,000 --> 00:00:02,000\nFirst cue\n"
           b"2\n00:00:02,000 --> 00:00:03,500\nSecond cue\n"
           b"3\n00:00:03,500 --> 00:00:05,000\nThird cue")
    segs = parse_caption_bytes(raw, "squashed.srt")
    assert [s.start_s for s in segs] == [1.0, 2.0, 3.5]
    assert " ".join(s.text for s in segs).split() == ["First", "cue", "Second", "cue", "Third", "cue"]


def test_srt_errors_do_not_write_to_stderr(capfd):
    # srt logs skipped text (the whole file) at WARNING; a CLI user must see only our one line
    with pytest.raises(ScriptwrightError):
        parse_caption_bytes(BAD_SRT_TIMESTAMPS, "broken.srt")
    parse_caption_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nok text\n\nstray junk\n", "stray.srt")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --------------------------------------------------------------------------- malformed VTT and json3

@pytest.mark.parametrize("raw, expect", [
    (b"00:00:01.000 --> 00:00:02.000\nno header line\n", "not a valid WebVTT"),
    (b"WEBVTT\n\n00:00:01.000 --> soon\nbad timing\n", ""),
    (b"WEBVTT\n\n", ""),
    (b"WEBVTT\nKind: captions\nLanguage: en\n\nNOTE nothing else here\n", ""),
    (b"1\n00:00:01,000 --> 00:00:02,000\nan SRT named .vtt\n", "not a valid WebVTT"),
], ids=["no-header", "bad-timing", "header-only", "notes-only", "srt-content"])
def test_malformed_vtt(raw, expect):
    message = parse_error(raw, "clip.en.vtt")
    assert expect in message


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2, 3]", b'{"events": 7}', b'{"events": [1]}',
                                 b'{"events": [{"tStartMs": "soon", "segs": [{"utf8": "hi"}]}]}',
                                 b'{"events": [{"segs": [{"utf8": 5}]}]}', b'{"events": []}'])
def test_malformed_json3(raw):
    parse_error(raw, "clip.json3")


# --------------------------------------------------------------------------- encodings

def test_cp1252_is_not_an_error():
    raw = "Speaker 1:          00:03          Na\u00efve caf\u00e9 talk \u2013 \u00a35".encode("cp1252")
    assert parse_caption_bytes(raw, "cafe.txt") == [Segment(3.0, None, "Na\u00efve caf\u00e9 talk \u2013 \u00a35")]


def test_utf16_with_bom_is_not_an_error():
    raw = "1\r\n00:00:01,000 --> 00:00:02,000\r\n\u00bfQu\u00e9 tal?\r\n".encode("utf-16")
    assert raw.startswith(codecs.BOM_UTF16_LE)
    assert parse_caption_bytes(raw, "hola.srt") == [Segment(1.0, 2.0, "\u00bfQu\u00e9 tal?")]


@pytest.mark.parametrize("raw", [codecs.BOM_UTF16_LE + b"\x00", codecs.BOM_UTF16_LE + b"A",
                                 codecs.BOM_UTF16_BE + b"\xd8\x00\x00A"],
                         ids=["odd-length", "one-byte", "lone-surrogate"])
def test_broken_utf16_is_a_user_error(raw):
    assert "UTF-16" in parse_error(raw, "garbled.srt")


# --------------------------------------------------------------------------- size limit

def test_caption_file_over_the_size_limit(tmp_path: Path):
    cue = b"1\n00:00:01,000 --> 00:00:02,000\nThe same cue, over and over again.\n\n"
    path = tmp_path / "huge-lecture.srt"
    with path.open("wb") as fh:
        for _ in range(MAX_BYTES // (len(cue) * 1000) + 2):
            fh.write(cue * 1000)
    assert path.stat().st_size > MAX_BYTES
    assert MAX_BYTES == 20 * 2**20
    with pytest.raises(ScriptwrightError) as exc:
        parse_caption_file(path)
    message = assert_user_error(exc, "huge-lecture.srt")
    assert "20 MB limit" in message
    # the same limit applies to uploaded bytes
    with pytest.raises(ScriptwrightError) as exc:
        parse_caption_bytes(path.read_bytes(), "huge-lecture.srt")
    assert "20 MB limit" in assert_user_error(exc, "huge-lecture.srt")


def test_a_file_exactly_at_the_limit_is_parsed():
    raw = b"word " * (MAX_BYTES // 5) + b"!" * (MAX_BYTES % 5)
    assert len(raw) == MAX_BYTES
    segs = parse_caption_bytes(raw, "long.txt")
    assert len(segs) == 1 and len(segs[0].text.split()) == len(raw.split())


# --------------------------------------------------------------------------- unsupported files and folders

def test_unsupported_extension_bytes():
    message = parse_error(b"PK\x03\x04 word document", "script.docx")
    assert "unsupported file type '.docx'" in message


def test_unsupported_extension_file(tmp_path: Path):
    path = tmp_path / "script.docx"
    path.write_bytes(b"PK\x03\x04 word document")
    with pytest.raises(ScriptwrightError) as exc:
        collect(path, tmp_path / "scratch")
    assert "'.docx'" in assert_user_error(exc, "script.docx")


def test_no_extension():
    assert "'none'" in parse_error(b"some words", "README")


def test_missing_path(tmp_path: Path):
    path = tmp_path / "not-there.srt"
    with pytest.raises(ScriptwrightError) as exc:
        collect(path, tmp_path / "scratch")
    assert "no such file" in assert_user_error(exc, str(path))


def test_bad_zip(tmp_path: Path):
    path = tmp_path / "captions.zip"
    path.write_bytes(b"this is not a zip")
    with pytest.raises(ScriptwrightError) as exc:
        collect(path, tmp_path / "scratch")
    assert "not a valid zip" in assert_user_error(exc, "captions.zip")


def test_zip_with_an_entry_outside_its_folder(tmp_path: Path):
    path = tmp_path / "sneaky.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../escape.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    with pytest.raises(ScriptwrightError) as exc:
        collect(path, tmp_path / "scratch")
    assert_user_error(exc, "sneaky.zip")
    assert not (tmp_path / "escape.srt").exists()


def test_invalid_info_json(tmp_path: Path):
    (tmp_path / "talk.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhello there\n", encoding="utf-8")
    (tmp_path / "talk.info.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(ScriptwrightError) as exc:
        doc_from_group(group_files(sorted(tmp_path.iterdir()))[0])
    assert "info.json" in assert_user_error(exc, "talk.info.json")


def test_info_json_without_captions(tmp_path: Path):
    (tmp_path / "talk.info.json").write_text(json.dumps({"id": "x", "title": "T"}), encoding="utf-8")
    with pytest.raises(ScriptwrightError) as exc:
        doc_from_group(group_files(sorted(tmp_path.iterdir()))[0])
    assert "no caption or transcript" in assert_user_error(exc, "talk.info.json")


# --------------------------------------------------------------------------- property: nothing but Segments or our error

_FRAGMENTS = [
    "1", "2", "", "WEBVTT", "Kind: captions", "NOTE", "STYLE", "-->",
    "00:00:01,000 --> 00:00:02,000", "00:00:02.000 --> 00:00:01.000", "99999999:00:00,000 --> 00:00:02,000",
    "00:01.000 --> 00:02.000 align:start", "Speaker 1:          01:10          ", "99:99  ", "[Music]", "<c>",
    "<00:00:01.000>", "{\\an8}", "&amp;", ">>", "- ", "\x00", "\ufeff", '{"events": [', '{"tStartMs": 1e309}',
    '"segs": [{"utf8": 5}]', "]}", "\r\n",
]
_caption_like = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=30)), max_size=20).map(
    lambda parts: "\n".join(parts))
_raw = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    _caption_like.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(st.sampled_from([codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8]), st.binary(max_size=200))
    .map(lambda p: p[0] + p[1]),
    _caption_like.map(lambda t: t.encode("utf-16", "surrogatepass")),
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(raw=_raw, ext=st.sampled_from(CAPTION_EXTS), upper=st.booleans())
def test_any_bytes_give_segments_or_a_scriptwright_error(raw, ext, upper):
    name = "fuzz" + (ext.upper() if upper else ext)
    try:
        segs = parse_caption_bytes(raw, name)
    except ScriptwrightError as exc:
        message = str(exc)
        assert message.startswith(f"{name}:") and "\n" not in message
        return
    assert isinstance(segs, list) and segs
    for s in segs:
        assert isinstance(s, Segment)
        assert isinstance(s.text, str) and s.text.strip()
        assert s.start_s is None or isinstance(s.start_s, float)
        assert s.end_s is None or isinstance(s.end_s, float)
