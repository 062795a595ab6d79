"""A fictional YouTube video about tides, with a deterministic audience of 300 comments.

`write_fixture(folder)` writes `moon-tides.srt` and `moon-tides.info.json` (yt-dlp's
shape: top-level comments have `parent: "root"`, replies name their parent's id). Texts
mix questions, confusions, requests, praise and chatter (spam, emoji, raw HTML), with
repeated texts, an empty and a blank comment. The channel, commenters and every text are
invented for Scriptwright's tests.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

VIDEO_ID = "Td8moonTide"  # 11 characters, like a YouTube id
WATCH_URL = f"https://www.youtube.com/watch?v={VIDEO_ID}"
STEM = "moon-tides"
N_COMMENTS = 300

SRT_LINES = [
    "Hello shore-walkers, Marla here, and today we ask why the sea climbs the beach twice a day.",
    "The Moon pulls on the whole Earth, but it pulls hardest on the side facing it.",
    "The ocean on the near side is tugged toward the Moon a little more than the Earth's centre.",
    "The centre of the Earth is tugged more than the ocean on the far side.",
    "So the far-side water gets left behind, and the oceans stretch into two bulges.",
    "The Earth spins underneath those two bulges once a day, so most coasts see two high tides.",
    "Because the Moon moves along its orbit, the high tides arrive about fifty minutes later each day.",
    "The Sun pulls too: when Sun and Moon line up we get big spring tides, at right angles small neap tides.",
    "That is the whole trick: not a pull, but a stretch. See you at low water, shore-walkers.",
]

# intended kind -> topic -> phrasings; the classifier should agree with almost all of them
PHRASES: dict[str, dict[str, list[str]]] = {
    "question": {
        "two tides": ["Why are there two high tides a day and not one?", "How does the far side get a high tide too?",
                      "Why does the water on the far side bulge away from the moon?"],
        "lakes": ["Do lakes have tides as well?", "Why doesn't my local lake have a tide?",
                  "Does a swimming pool have a tiny tide?"],
        "rotation": ["Do tides slow down the rotation of the Earth?", "Is the day getting longer because of tides?",
                     "Why is the moon drifting away from us every year?"],
        "other planets": ["Does Jupiter raise tides on its moons?", "What would tides look like on Mars?",
                          "How big are the tides on a planet with two moons?"],
        "timing": ["Why do high tides come fifty minutes later each day?", "How do harbours predict the tide times?",
                   "What sets the exact time of high tide at my beach?"],
    },
    "confusion": {
        "far side": ["I don't understand why the far side bulges at all.", "The far side bulge completely lost me.",
                     "I'm confused, shouldn't the far side water be pulled toward the moon too?"],
        "stretch": ["The stretch instead of pull part doesn't make sense to me.",
                    "I don't get how a stretch is different from a pull.",
                    "Still confused about the difference between pulling and stretching."],
        "neap": ["Neap tides lost me, the right angle part was too fast.",
                 "I'm confused about why spring tides have nothing to do with spring."],
    },
    "request": {
        "tidal power": ["Can you make a video about tidal power stations?",
                        "Please do a video on tidal energy and the barrages.",
                        "Would love a video on whether tides could power a city."],
        "moon origin": ["Next video: how the moon formed in the first place!",
                        "Can you do one on the giant impact that made the moon?",
                        "Please do a video on where the moon came from."],
        "tsunamis": ["Could you make a video on tsunamis and why they are not tides?",
                     "Would love a video on tsunamis next."],
    },
    "praise": {
        "clear": ["Best explanation of tides I have ever seen.", "Thank you, this finally makes tides click for me.",
                  "Amazing video, so clear and calm."],
        "teacher": ["Great video, I'm showing this to my geography class.",
                    "Thanks Marla, my students loved the bulge drawing.",
                    "As a teacher I love how you explained the stretch."],
        "visuals": ["The animation of the two bulges was amazing.", "Love the beach footage, gorgeous work.",
                    "Great editing and lovely narration."],
    },
    "other": {
        "spam": ["Check out my channel for daily surf reports!!", "Free crypto tide tokens at my profile",
                 "Subscribe to my channel for more sea content"],
        "chatter": ["First", "Watching this from a ferry right now", "My cat sat through the whole thing",
                    "Commenting for the algorithm", "Low tide here in Cornwall at the moment"],
        "markup": ["<b>hi</b> from Lisbon", "<script>alert('tide')</script> nice try", "🌊🌊🌊", "🌕 + 🌍 = 🌊"],
    },
}

OPENERS = ["", "", "", "Quick one: ", "Honest question. ", "Okay so ", "Hmm, ", "Wow. "]
CLOSERS = ["", "", "", " Thanks!", " 🙂", " (watching in 2025)", " Greetings from Norway.", " Cheers."]
SIGN_OFFS = ["", "", " lol", " from Chile", " (day 3 of my sea facts binge)", " 🌊", " #tides", " - Sam"]
SPECIAL = {40: "First", 42: "First", 50: "", 51: "   "}  # a duplicate pair, an empty and a blank comment


def _comment_id(n: int, parent: str | None = None) -> str:
    digest = hashlib.sha256(f"{STEM}-{n}".encode()).hexdigest()
    return f"{parent}.{digest[:22]}" if parent else f"Ugx{digest[:20]}4AaABAg"


def generate(n: int = N_COMMENTS, seed: int = 7) -> list[dict[str, Any]]:
    """yt-dlp style comment dicts, each with an extra `kind` (the intended one) for the tests."""
    rng = random.Random(seed)
    kinds = list(PHRASES)
    comments: list[dict[str, Any]] = []
    top_level: list[str] = []
    for i in range(n):
        if i in SPECIAL:
            text, kind = SPECIAL[i], "other"
        else:
            kind = kinds[i % len(kinds)]
            topic = rng.choice(sorted(PHRASES[kind]))
            base = rng.choice(PHRASES[kind][topic])
            if kind == "other":
                text = f"{base}{rng.choice(SIGN_OFFS)}"
            else:
                text = f"{rng.choice(OPENERS)}{base}{rng.choice(CLOSERS)}"
        parent = rng.choice(top_level) if i % 6 == 5 and top_level else None
        if parent and text.strip():
            text = f"@shore_walker_{rng.randrange(10_000):04d} {text}"
        cid = _comment_id(i, parent)
        if parent is None:
            top_level.append(cid)
        comments.append({
            "id": cid, "parent": parent or "root", "text": text, "kind": kind,
            "author": f"@shore_walker_{rng.randrange(10_000):04d}", "author_id": f"UCfiction{i:05d}",
            "like_count": rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 8, 13, 40, 120]),
            "timestamp": 1_717_000_000 + 3_600 * i,
        })
    return comments


def srt_text() -> str:
    cues = []
    for i, line in enumerate(SRT_LINES):
        start, end = i * 6, i * 6 + 5
        cues.append(f"{i + 1}\n00:00:{start:02d},000 --> 00:00:{end:02d},500\n{line}\n")
    return "\n".join(cues)


def write_fixture(folder: Path, n: int = N_COMMENTS) -> list[dict[str, Any]]:
    """Write the .srt and .info.json into folder; returns the comments written."""
    folder.mkdir(parents=True, exist_ok=True)
    comments = generate(n)
    info = {
        "id": VIDEO_ID, "title": "Why the Moon Makes Two Tides a Day", "extractor": "youtube",
        "extractor_key": "Youtube", "webpage_url": WATCH_URL, "upload_date": "20240601", "channel": "Marla's Shoreline",
        "comments": comments,
    }
    (folder / f"{STEM}.srt").write_text(srt_text(), encoding="utf-8")
    (folder / f"{STEM}.info.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return comments
