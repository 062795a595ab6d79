"""Caption parsers, cleaning, chunking and file grouping (pipelines.ingest.*), on small texts
written for these tests. Real shared-corpus files are only read, never copied."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from pipelines.ingest.chunk import MAX_SENTENCE, chunk_segments, sentence_spans
from pipelines.ingest.clean import clean_segments, clean_text
from pipelines.ingest.files import collect, doc_from_group, group_files, stem_key
from pipelines.ingest.model import Segment
from pipelines.ingest.parse import decode, parse_caption_bytes, parse_caption_file, parse_transcript_text
from tests.conftest import SHARED_CORPORA


def texts(segments: list[Segment]) -> list[str]:
    return [s.text for s in segments]


# --------------------------------------------------------------------------- SRT

SRT = """1
00:00:01,250 --> 00:00:03,500
The lighthouse keeper wakes
before the gulls do.

2
00:00:03,500 --> 00:00:07,000
<i>She climbs</i> ninety-one steps.

3
00:01:10,000 --> 00:01:12,750
[Waves crashing]

4
01:02:03,004 --> 01:02:05,000
Then the lamp goes dark.
"""


def test_srt_cues_become_timed_segments():
    segs = parse_caption_bytes(SRT.encode(), "keeper.srt")
    assert [(s.start_s, s.end_s) for s in segs] == [(1.25, 3.5), (3.5, 7.0), (3723.004, 3725.0)]
    # lines of one cue are joined, italics and the sound cue are gone
    assert texts(segs) == [
        "The lighthouse keeper wakes before the gulls do.",
        "She climbs ninety-one steps.",
        "Then the lamp goes dark.",
    ]


def test_srt_with_crlf_and_no_trailing_newline():
    raw = SRT.strip().replace("\n", "\r\n").encode()
    assert parse_caption_bytes(raw, "keeper.srt") == parse_caption_bytes(SRT.encode(), "keeper.srt")


# --------------------------------------------------------------------------- VTT

VTT = """WEBVTT
Kind: captions
Language: en

NOTE written for the Scriptwright tests

intro
00:00:00.500 --> 00:00:02.250 align:start position:0%
{\\an8}Bread needs <b>time</b> &amp; warmth.

00:00:02.250 --> 00:00:04.125
<v Baker>Flour, water, salt, yeast.</v>

00:04.125 --> 00:06.000
(applause) ♪ ♪
"""


def test_vtt_cues_keep_millisecond_timings():
    segs = parse_caption_bytes(VTT.encode(), "bread.en.vtt")
    assert [(s.start_s, s.end_s) for s in segs] == [(0.5, 2.25), (2.25, 4.125)]
    assert texts(segs) == ["Bread needs time & warmth.", "Flour, water, salt, yeast."]
    assert all(isinstance(s.start_s, float) for s in segs)


ROLLING_VTT = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.500 align:start position:0%
 
so<00:00:00.400><c> today</c><00:00:00.800><c> we</c><00:00:01.100><c> fold</c><00:00:01.500><c> a</c><00:00:01.900><c> paper</c><00:00:02.100><c> crane</c>

00:00:02.500 --> 00:00:02.510 align:start position:0%
so today we fold a paper crane
 

00:00:02.510 --> 00:00:05.000 align:start position:0%
so today we fold a paper crane
start<00:00:02.900><c> with</c><00:00:03.300><c> a</c><00:00:03.700><c> square</c><00:00:04.100><c> sheet</c>

00:00:05.000 --> 00:00:05.010 align:start position:0%
start with a square sheet
 

00:00:05.010 --> 00:00:07.000 align:start position:0%
start with a square sheet
[Music]

00:00:07.000 --> 00:00:09.000 align:start position:0%
[Music]
crease<00:00:07.500><c> it</c><00:00:08.000><c> twice</c>
"""


def test_rolling_auto_captions_lose_their_repeats_and_karaoke_tags():
    segs = parse_caption_bytes(ROLLING_VTT.encode(), "crane.en.vtt")
    joined = " ".join(texts(segs))
    assert joined == "so today we fold a paper crane start with a square sheet crease it twice"
    for marker in ("<", ">", "[Music]", "Music", "00:00"):
        assert marker not in joined
    # each spoken line appears once and keeps the time it was first said
    assert texts(segs) == ["so today we fold a paper crane", "start with a square sheet", "crease it twice"]
    assert [s.start_s for s in segs] == [0.0, 2.51, 7.0]
    starts = [s.start_s for s in segs]
    assert starts == sorted(starts)


def test_clean_segments_merges_a_pure_repeat_into_the_cue_before():
    segs = clean_segments([Segment(0.0, 1.0, "the tide comes in"), Segment(1.0, 2.0, "the tide comes in"),
                           Segment(2.0, 3.0, "comes in and goes out")])
    assert segs == [Segment(0.0, 2.0, "the tide comes in"), Segment(2.0, 3.0, "and goes out")]


def test_clean_segments_keeps_a_single_repeated_word():
    # one shared word is not a rolling repeat ("it ... it" happens in ordinary speech)
    segs = clean_segments([Segment(0.0, 1.0, "we test it"), Segment(1.0, 2.0, "it works")])
    assert texts(segs) == ["we test it", "it works"]


@pytest.mark.parametrize("raw, expected", [
    ("[Music]", ""),
    ("[Applause] thank you", "thank you"),
    ("<c.colorE5E5E5>hello</c> <00:00:01.000><c>there</c>", "hello there"),
    ("{\\an8}top of the screen", "top of the screen"),
    ("<i>lean</i> <b>in</b> <u>close</u>", "lean in close"),
    ("♪ sing along ♪", "sing along"),
    ("(MUSIC) (laughter) still here", "still here"),
    (">> next speaker", "next speaker"),
    ("- a dash of dialogue", "a dash of dialogue"),
    ("fish &amp; chips &lt;3", "fish & chips <3"),
    ("  spaced\t\tout\n  words  ", "spaced out words"),
    ("bell\x07 rings", "bell rings"),
    ("--", ""),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


# --------------------------------------------------------------------------- json3

def test_json3_events_become_segments():
    doc = {"events": [
        {"tStartMs": 0, "dDurationMs": 1500, "segs": [{"utf8": "moths"}, {"utf8": " circle"}]},
        {"tStartMs": 1500, "dDurationMs": 10, "segs": [{"utf8": "\n"}]},
        {"tStartMs": 2000, "dDurationMs": 2000},  # a window event without text
        {"tStartMs": 4250, "dDurationMs": 1000, "segs": [{"utf8": "the porch light"}]},
    ]}
    segs = parse_caption_bytes(json.dumps(doc).encode(), "moths.en.json3")
    assert segs == [Segment(0.0, 1.5, "moths circle"), Segment(4.25, 5.25, "the porch light")]


# --------------------------------------------------------------------------- plain transcripts

SCRIBESALAD = (
    "Speaker 1:          00:00          Every glacier is a slow river. It moves an inch a day, maybe less."
    "\r\n\r\n"
    "Speaker 1:          01:10          Under the ice there is meltwater, and the meltwater is the brake."
    "\r\n\r\n"
    "Speaker 2:          02:05          Take the brake away and the river runs."
    "\r\n\r\n"
    "Speaker 1:          1:02:03          That is the whole story"  # no trailing newline
)


def test_scribesalad_headers_become_segment_starts():
    segs = parse_caption_bytes(SCRIBESALAD.encode(), "glacier.txt")
    assert [s.start_s for s in segs] == [0.0, 70.0, 125.0, 3723.0]
    # a paragraph ends where the next one starts; the last ends at the pace of the others
    assert [s.end_s for s in segs][:3] == [70.0, 125.0, 3723.0]
    timed_words = 14 + 12 + 8
    assert segs[-1].end_s == pytest.approx(3723.0 + 5 * 3723.0 / timed_words)
    assert texts(segs)[0] == "Every glacier is a slow river. It moves an inch a day, maybe less."
    assert texts(segs)[-1] == "That is the whole story"
    for s in segs:
        assert "Speaker" not in s.text
        assert not re.search(r"\d\d:\d\d", s.text)
        assert "\r" not in s.text


def test_plain_paragraphs_without_headers_are_untimed_segments():
    text = ("A plain transcript has no clock.\n\nIts paragraphs stay in order,\nlines joined.\n\n\n"
            "Even the time 12:30 in a sentence is just words.")
    segs = parse_caption_bytes(text.encode(), "plain.txt")
    assert segs == [
        Segment(None, None, "A plain transcript has no clock."),
        Segment(None, None, "Its paragraphs stay in order, lines joined."),
        Segment(None, None, "Even the time 12:30 in a sentence is just words."),
    ]


def test_mixed_timed_and_untimed_paragraphs():
    segs = parse_transcript_text("Intro without a clock.\n\nSpeaker 1:  00:30  Timed part.\n\nTrailing words.")
    assert [(s.start_s, s.end_s) for s in segs] == [(None, None), (30.0, None), (None, None)]
    assert texts(segs) == ["Intro without a clock.", "Timed part.", "Trailing words."]


@pytest.mark.skipif(not (SHARED_CORPORA / "kurzgesagt").is_dir(), reason="shared corpora not present")
def test_real_scribesalad_file_parses_with_timestamps():
    path = sorted((SHARED_CORPORA / "kurzgesagt").glob("*.txt"))[0]
    raw = path.read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # the format this parser must handle
    segs = parse_caption_file(path)
    assert len(segs) > 2
    starts = [s.start_s for s in segs]
    assert all(isinstance(t, float) for t in starts)
    assert starts == sorted(starts)
    assert not any(s.text.startswith("Speaker") or "          " in s.text for s in segs)


# --------------------------------------------------------------------------- encodings

def test_cp1252_file_decodes():
    text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\u00e9 cr\u00e8me \u2014 \u201cna\u00efve\u201d r\u00e9sum\u00e9\r\n"
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert texts(parse_caption_bytes(raw, "cafe.srt")) == ["Caf\u00e9 cr\u00e8me \u2014 \u201cna\u00efve\u201d r\u00e9sum\u00e9"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_decodes(encoding):
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nGr\u00fc\u00dfe aus K\u00f6ln \u2603\n"
    raw = text.encode(encoding)
    if encoding != "utf-16":
        raw = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + raw
    assert parse_caption_bytes(raw, "koeln.vtt") == [Segment(1.0, 2.5, "Gr\u00fc\u00dfe aus K\u00f6ln \u2603")]


def test_utf8_bom_is_dropped():
    raw = codecs.BOM_UTF8 + "Speaker 1:          00:05          Hello.".encode()
    assert parse_caption_bytes(raw, "bom.txt") == [Segment(5.0, None, "Hello.")]


def test_decode_normalises_line_endings():
    assert decode(b"a\r\nb\rc\n", "x.txt") == "a\nb\nc\n"


def test_parse_caption_file_reads_from_disk(tmp_path: Path):
    path = tmp_path / "keeper.srt"
    path.write_bytes(SRT.encode("cp1252"))
    assert parse_caption_file(path) == parse_caption_bytes(SRT.encode(), "keeper.srt")


# --------------------------------------------------------------------------- chunking

def _story(n_sentences: int, words_per_sentence: int = 12, seconds_per_sentence: float = 4.0) -> list[Segment]:
    """One segment per sentence; each sentence is unique ("s17w0 ... s17w11.")."""
    segs = []
    for i in range(n_sentences):
        words = [f"s{i}w{j}" for j in range(words_per_sentence)]
        segs.append(Segment(i * seconds_per_sentence, (i + 1) * seconds_per_sentence, " ".join(words) + "."))
    return segs


def _sentences(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[a:b]) for a, b in sentence_spans(words)]


def _check_chunks(chunks, segments):
    assert chunks, "no chunks"
    assert [c.idx for c in chunks] == list(range(len(chunks)))
    for c in chunks[:-1]:
        assert 150 <= c.n_words <= 300, c.n_words
    if len(chunks) > 1:
        assert 50 <= chunks[-1].n_words <= 350  # a tiny tail is merged into the chunk before
    starts = [c.start_s for c in chunks]
    assert starts == sorted(starts)
    assert chunks[0].start_s == segments[0].start_s
    assert chunks[-1].end_s == segments[-1].end_s
    for c in chunks:
        assert c.start_s <= c.end_s
    # overlap: each chunk starts with exactly the previous chunk's last sentence
    for a, b in zip(chunks, chunks[1:]):
        sa, sb = _sentences(a.text), _sentences(b.text)
        assert sb[0] == sa[-1]
        assert sb[1] != sa[-1] and (len(sa) < 2 or sa[-2] not in sb)


@pytest.mark.parametrize("n_sentences", [60, 61, 73, 200])
def test_chunks_are_sized_timed_and_overlap_by_one_sentence(n_sentences):
    segs = _story(n_sentences)
    chunks = chunk_segments(segs)
    _check_chunks(chunks, segs)
    # nothing lost: removing the one-sentence overlaps gives back the whole text
    rebuilt = _sentences(chunks[0].text)
    for c in chunks[1:]:
        rebuilt += _sentences(c.text)[1:]
    assert " ".join(rebuilt) == " ".join(s.text for s in segs)


def test_chunk_times_are_interpolated_inside_segments():
    # 20 segments of 60 s, each holding five 12-word sentences: one word per second
    story = _story(100)
    segs = [Segment(k * 60.0, (k + 1) * 60.0, " ".join(s.text for s in story[k * 5:(k + 1) * 5])) for k in range(20)]
    chunks = chunk_segments(segs)
    _check_chunks(chunks, segs)
    for c in chunks:
        first_word = c.text.split()[0]  # "s<i>w0": sentence i starts at 12 * i seconds
        assert c.start_s == pytest.approx(12.0 * int(first_word[1:].split("w")[0]))
    assert any(c.start_s % 60 for c in chunks)  # chunk starts fall inside segments, not only at their edges


def test_short_text_is_one_chunk():
    segs = _story(3)
    chunks = chunk_segments(segs)
    assert len(chunks) == 1
    assert chunks[0].text == " ".join(s.text for s in segs)
    assert (chunks[0].start_s, chunks[0].end_s) == (0.0, 12.0)


def test_unpunctuated_asr_text_is_cut_into_bounded_chunks():
    words = [f"w{i}" for i in range(1000)]
    segs = [Segment(i * 5.0, (i + 1) * 5.0, " ".join(words[i * 20:(i + 1) * 20])) for i in range(50)]
    chunks = chunk_segments(segs)
    assert len(chunks) > 3
    for c in chunks:
        assert c.n_words <= 300
    for a, b in zip(chunks, chunks[1:]):
        assert a.start_s < b.start_s
        assert a.text.split()[-MAX_SENTENCE:] == b.text.split()[:MAX_SENTENCE]


def test_untimed_segments_give_untimed_chunks():
    segs = [Segment(None, None, s.text) for s in _story(40)]
    chunks = chunk_segments(segs)
    assert len(chunks) > 1
    assert all(c.start_s is None and c.end_s is None for c in chunks)


@pytest.mark.skipif(not (SHARED_CORPORA / "3b1b").is_dir(), reason="shared corpora not present")
def test_chunks_of_a_real_caption_file():
    path = sorted((SHARED_CORPORA / "3b1b").glob("*.srt"))[0]
    segs = parse_caption_file(path)
    chunks = chunk_segments(segs)
    assert len(chunks) > 5
    for c in chunks[:-1]:
        assert 150 <= c.n_words <= 300
    starts = [c.start_s for c in chunks]
    assert all(isinstance(t, float) for t in starts)
    assert starts == sorted(starts)


# --------------------------------------------------------------------------- grouping files into videos

@pytest.mark.parametrize("name, key", [
    ("talk.srt", "talk"),
    ("talk.en.vtt", "talk"),
    ("talk.en-US.vtt", "talk"),
    ("talk.en.srt", "talk"),
    ("talk.en.json3", "talk"),
    ("talk.info.json", "talk"),
    ("talk.txt", "talk"),
    ("talk.INFO.JSON", "talk"),
    ("dQw4w9WgXcQ.en.vtt", "dQw4w9WgXcQ"),
    ("my-talk_2024.srt", "my-talk_2024"),
    ("v1.2.srt", "v1.2"),
])
def test_stem_key(name, key):
    assert stem_key(Path(name)) == key


def test_files_of_one_video_group_together(tmp_path: Path):
    names = ["talk.srt", "talk.en.vtt", "talk.info.json", "talk.txt", "other.srt"]
    groups = group_files([tmp_path / n for n in names])
    assert [(g.key, sorted(p.name for p in g.files)) for g in groups] == [
        ("other", ["other.srt"]),
        ("talk", ["talk.en.vtt", "talk.info.json", "talk.srt", "talk.txt"]),
    ]


def test_same_stem_in_two_folders_is_two_videos(tmp_path: Path):
    groups = group_files([tmp_path / "a" / "talk.srt", tmp_path / "b" / "talk.srt"])
    assert len(groups) == 2


def test_a_group_uses_srt_timings_info_metadata_and_checks_the_txt(tmp_path: Path):
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    (tmp_path / "talk.txt").write_text(
        "The lighthouse keeper wakes before the gulls do. She climbs ninety-one steps. Then the lamp goes dark.",
        encoding="utf-8")
    (tmp_path / "talk.info.json").write_text(json.dumps({
        "id": "abc123", "title": "The Keeper", "upload_date": "20240229", "duration": 3725.5,
        "extractor_key": "Youtube", "webpage_url": "https://www.youtube.com/watch?v=abc123",
    }), encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 not a caption")
    groups, skipped = collect(tmp_path, tmp_path / "scratch")
    assert [p.name for p in skipped] == ["notes.docx"]
    assert len(groups) == 1
    doc, notes = doc_from_group(groups[0])
    assert notes == []  # the .txt agrees with the captions
    assert (doc.source, doc.source_id, doc.title, doc.published_at, doc.duration_s) == (
        "youtube", "abc123", "The Keeper", "2024-02-29", 3725.5)
    assert [s.start_s for s in doc.segments] == [1.25, 3.5, 3723.004]


def test_a_txt_that_disagrees_with_the_captions_gives_a_note(tmp_path: Path):
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    (tmp_path / "talk.txt").write_text("Completely different words about volcanoes and basalt.", encoding="utf-8")
    doc, notes = doc_from_group(group_files(sorted(tmp_path.iterdir()))[0])
    assert doc.source == "file" and doc.source_id == "talk" and doc.title == "Talk"
    assert len(notes) == 1 and "talk.srt" in notes[0] and "talk.txt" in notes[0]


EN_SRT = "1\n00:00:00,000 --> 00:00:03,000\nThe door you picked first is the worst bet.\n"
FR_SRT = "1\n00:00:00,000 --> 00:00:03,000\nLa porte choisie en premier est le pire pari.\n"


def test_captions_in_several_languages_use_the_wanted_one(tmp_path: Path):
    """yt-dlp writes `talk.en.srt` beside `talk.fr.srt`: one video, in the ingest's language."""
    (tmp_path / "talk.en.srt").write_text(EN_SRT, encoding="utf-8")
    (tmp_path / "talk.fr.srt").write_text(FR_SRT, encoding="utf-8")
    (tmp_path / "talk.en-orig.srt").write_text(EN_SRT.replace("worst", "poorest"), encoding="utf-8")
    (group,) = group_files(sorted(tmp_path.iterdir()))
    doc, notes = doc_from_group(group)
    assert doc.segments[0].text.startswith("The door you picked first is the worst") and doc.language == "en"
    assert notes == ["used talk.en.srt; other languages not ingested: talk.en-orig.srt, talk.fr.srt."]
    doc, notes = doc_from_group(group, lang="fr")
    assert doc.segments[0].text.startswith("La porte") and doc.language == "fr"
    assert notes == ["used talk.fr.srt; other languages not ingested: talk.en-orig.srt, talk.en.srt."]
    # no exact match: a variant of the wanted language beats another language
    (tmp_path / "talk.en.srt").unlink()
    doc, _ = doc_from_group(group_files(sorted(tmp_path.iterdir()))[0])
    assert "poorest" in doc.segments[0].text
    # only another language: it is used, and says which
    doc, notes = doc_from_group(group_files([tmp_path / "talk.fr.srt"])[0])
    assert doc.language == "fr" and notes == []


def test_dotted_names_are_not_mistaken_for_language_suffixes():
    assert stem_key(Path("part.one.srt")) == "part.one"
    assert stem_key(Path("talk.pt-BR.srt")) == "talk"
