"""The voice model on small hand-written texts in three clearly different voices.

Every text below is original, written for this test: an excitable show host, a formal
lecturer and a storytelling grandmother, each talking about several topics, so that the
model has to learn the voice, not the subject.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipelines.errors import ScriptwrightError
from pipelines.voice.attribution import SPOKEN_FUNCTION_WORDS, MIN_WORDS, VoiceModel, passages, scoring_windows
from pipelines.voice.background import load_background
from pipelines.voice.documents import Document, windows
from pipelines.voice.validation import corpus_warnings, splits, validate

SPARKS = [
    ("volcanoes", "Okay folks, buckle up, because today we are going inside a volcano! Boom! Seriously, think about "
     "it. You have got rock so hot it flows like soup. Crazy, right? And it is sitting right under your feet! So "
     "what makes it blow? Pressure, my friends, pressure! Gas gets trapped, the pressure builds and builds and then "
     "pow, the whole top pops off like a soda bottle you shook way too hard. Let's go! Smash that button if you "
     "love lava as much as I do, and I will see you next time, folks!"),
    ("magnets", "Okay folks, grab a magnet, any magnet, because we are about to get weird! Boom! Put two of them "
     "together the wrong way and they push back. Feel that? That is an invisible force, right there in your hand! "
     "Wild, right? So what is going on? Tiny spinning electrons, my friends, all lined up like a marching band! "
     "Line them up and pow, you have got a magnet. Mess them up and it is gone! Let's go! Smash that button if "
     "this blew your mind, and I will see you next time, folks!"),
    ("bread", "Okay folks, today we are baking bread, and trust me, it is pure science! Boom! You mix flour, water, "
     "salt and a pinch of yeast. Simple, right? Wrong! Those yeast critters are alive, my friends, and they are "
     "hungry! They munch the sugar and burp out gas, and pow, the dough puffs up like a balloon! Crazy! Then the "
     "oven sets the whole thing in place. Let's go! Smash that button if you are hungry now, and I will see you "
     "next time, folks!"),
    ("rainbows", "Okay folks, look up after the rain, because the sky is about to show off! Boom! A rainbow! But "
     "wait, where does it come from? Sunlight, my friends! Sunlight is secretly every color mashed together! Wild, "
     "right? Each raindrop bends the light and splits it apart, and pow, red, orange, yellow, all the way to "
     "violet! And here is the kicker: nobody sees the same rainbow as you. Yours is yours! Let's go! Smash that "
     "button if you love this stuff, and I will see you next time, folks!"),
    ("bridges", "Okay folks, we are crossing a bridge today, and it is way cooler than it looks! Boom! Every car "
     "pushes down, right? So why does the bridge not snap? Because the steel cables pull back, my friends, they "
     "pull and pull like a giant game of tug of war! Crazy! The towers take the squeeze and the cables take the "
     "stretch, and pow, everything balances out! Let's go! Smash that button if you would build one, and I will "
     "see you next time, folks!"),
]

HALE = [
    ("volcanoes", "It is worth noting, at the outset, that a volcano is best understood not as a mountain but as a "
     "vent through which the interior of the planet is relieved of heat. Consequently, the character of an "
     "eruption depends principally upon the viscosity of the magma and upon the quantity of dissolved gas. Where "
     "the magma is viscous, the gas cannot readily escape; the pressure therefore accumulates until the overlying "
     "rock fails. One might reasonably conclude, then, that the most violent eruptions are, in a sense, the most "
     "patient ones."),
    ("magnets", "It is worth noting, to begin with, that magnetism was described long before it was understood. "
     "The attraction between two pieces of lodestone is, in principle, a consequence of the alignment of the "
     "magnetic moments of their electrons. In most materials these moments are oriented at random and therefore "
     "cancel; in ferromagnetic materials, however, neighbouring moments tend to align within regions known as "
     "domains. One might reasonably ask, then, why a magnet loses its strength when heated; the answer is that "
     "thermal agitation disturbs precisely this alignment."),
    ("bread", "It is worth noting that the leavening of bread is, in essence, a problem in microbiology. The yeast "
     "cell metabolises the sugars present in the flour and, in doing so, releases carbon dioxide and a small "
     "quantity of ethanol. The gas is retained by a network of gluten proteins, which is formed when the flour is "
     "hydrated and subsequently kneaded. Consequently, a dough with a poorly developed network will not rise "
     "appreciably. One might reasonably describe the oven, therefore, as the instrument that fixes this structure "
     "in place."),
    ("rainbows", "It is worth noting that the rainbow, although commonplace, was explained in a satisfactory manner "
     "only in the seventeenth century. Light entering a spherical droplet is refracted, reflected from the rear "
     "surface, and refracted once more upon leaving; because the degree of refraction depends upon wavelength, the "
     "constituent colours emerge at slightly different angles. Consequently, each observer perceives light from a "
     "different set of droplets. One might reasonably say, therefore, that no two observers ever see precisely "
     "the same rainbow."),
    ("bridges", "It is worth noting that a suspension bridge is, in principle, an exercise in the management of "
     "tension and compression. The deck is supported by vertical hangers, which transfer its weight to the main "
     "cables; the cables, in turn, convey that load to the towers and to the anchorages at either end. "
     "Consequently, the towers are subjected chiefly to compression, whereas the cables are subjected chiefly to "
     "tension. One might reasonably regard the entire structure, therefore, as a single carefully balanced "
     "system of forces."),
]

JUNE = [
    ("volcanoes", "Now, I remember the summer my father took us up to see the old mountain, back when I was no "
     "bigger than a fence post. Mind you, it had not smoked in years, but he told us the fire was only sleeping. "
     "You see, dear, deep down under all that stone there is rock so hot it runs like honey, and when it gets too "
     "crowded down there, up it comes. My mother would not let us near the edge, bless her. I still think about "
     "that mountain every time the kettle starts to whistle."),
    ("magnets", "Now, I remember my grandfather kept a horseshoe magnet in his coat pocket, back when I was a little "
     "thing with scabbed knees. Mind you, he used it to find dropped needles on the kitchen floor, and we thought "
     "it was pure magic. You see, dear, he told me every bit of iron has tiny arrows inside, and most of the time "
     "they point every which way. Rub them the same direction long enough and they all agree. I still have that "
     "magnet in a drawer somewhere, bless him."),
    ("bread", "Now, I remember waking up to the smell of my mother's bread, back when the whole house was heated by "
     "one black stove. Mind you, she never measured a thing. You see, dear, she would set the dough by the window "
     "under a damp cloth and tell us to hush, because the yeast was working. I thought there were little people in "
     "that bowl, I truly did. She said they ate the sugar and breathed out bubbles, and that is why it rose. I "
     "still knead mine the way she showed me, bless her."),
    ("rainbows", "Now, I remember running out into the wet grass after a storm, back when my sister and I still wore "
     "matching dresses. Mind you, we were chasing the end of the rainbow, hoping for that pot of gold. You see, "
     "dear, my aunt told us later that every raindrop is like a tiny glass bead that splits the sunlight into its "
     "colours, and so the rainbow moves when you move. We never did catch it. I still look for one every time the "
     "clouds break, bless my aunt."),
    ("bridges", "Now, I remember the first time we drove across the big bridge into the city, back when my husband "
     "still had all his hair. Mind you, I held my breath the whole way over. You see, dear, he tried to calm me by "
     "explaining how the great cables hold the road up, pulling from the towers like a clothesline holds the "
     "washing. I told him a clothesline sags, and he laughed so hard he nearly missed the turn. I still think of "
     "him every time I cross it, bless him."),
]

VOICES = {"sparks": ("Captain Sparks", SPARKS), "hale": ("Professor Hale", HALE), "june": ("Grandma June", JUNE)}

# Held-out texts on topics none of the training texts covers.
HELD_OUT = {
    "sparks": "Okay folks, today we are talking about thunder, and it is louder than you think! Boom! Literally! "
              "Lightning heats the air so fast that it explodes outward, my friends, and that crack is the sound "
              "of it! Crazy, right? Count the seconds between the flash and the bang and pow, you know how far "
              "away the storm is! Let's go! Smash that button if storms are your thing, and I will see you next "
              "time, folks!",
    "hale": "It is worth noting that the tides are governed principally by the gravitational attraction of the "
            "moon, and to a lesser degree by that of the sun. The side of the earth nearest the moon is drawn "
            "towards it slightly more strongly than the centre; the far side, correspondingly, slightly less. "
            "Consequently, two bulges of water are produced, and a given coast passes through both in the course "
            "of a day. One might reasonably expect, therefore, two high tides daily.",
    "june": "Now, I remember the winter the pond froze solid, back when we still had the old grey pony. Mind you, "
            "my brother swore the fish were frozen right into the ice. You see, dear, my father knelt down and "
            "showed us that the ice sits on top, like a lid, and the water underneath stays cold but not frozen, "
            "so the fish just go slow and wait for spring. We skated on that lid all afternoon. I still think of "
            "those fish every January, bless them.",
}

SPANISH = ("Hoy vamos a hablar de los volcanes, que son montañas muy especiales. Dentro de la tierra hay roca "
           "fundida que se llama magma, y cuando la presión crece mucho, el magma sube por una chimenea y sale "
           "por el cráter. Algunos volcanes explotan con mucha fuerza, otros dejan salir la lava despacio, como "
           "un río rojo que baja por la ladera. Los científicos miden los gases y los pequeños temblores para "
           "saber cuándo puede empezar una erupción y avisar a la gente que vive cerca.")


def make_docs(voices: dict = VOICES) -> list[Document]:
    docs = []
    for slug, (name, texts) in voices.items():
        for topic, text in texts:
            docs.append(Document(slug, name, f"{slug}-{topic}", topic.title(), text, ((0.0, text),)))
    return docs


BACKGROUND = load_background(Path(__file__).resolve().parents[2] / "data" / "background")


@pytest.fixture(scope="module")
def model() -> VoiceModel:
    return VoiceModel().fit(make_docs(), background=BACKGROUND)


def test_texts_are_long_enough_to_score() -> None:
    for _, texts in VOICES.values():
        assert all(len(t.split()) >= MIN_WORDS for _, t in texts)
    assert all(len(t.split()) >= MIN_WORDS for t in HELD_OUT.values())


def test_held_out_texts_are_attributed_to_their_voice(model: VoiceModel) -> None:
    classes, probs = model.predict_proba(list(HELD_OUT.values()))
    assert classes == sorted(VOICES)
    assert [classes[i] for i in probs.argmax(1)] == list(HELD_OUT)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    for slug, text in HELD_OUT.items():
        own = model.score_text(text, slug)
        assert own.best_match == slug
        assert own.probability is not None and own.probability > 0.5
        assert own.fidelity is not None and 0.0 <= own.fidelity <= 1.0
        for other in VOICES:
            if other != slug:
                assert model.score_text(text, other).fidelity < own.fidelity


def test_score_explains_what_pulls_away(model: VoiceModel) -> None:
    score = model.score_text(HELD_OUT["hale"], "sparks")
    assert score.pulls_away
    assert {p.direction for p in score.pulls_away} <= {"more", "less"}
    assert all(p.weight > 0 for p in score.pulls_away)
    # in words a creator understands: what the text says, compared with what they usually say
    assert all(f"“{p.feature}” {p.direction} often than Captain Sparks usually does" in p.explanation
               for p in score.pulls_away)
    # a word the text merely lacks is named only when it is a function word, never a topic word
    assert all(p.direction == "more" or set(p.feature.split()) <= SPOKEN_FUNCTION_WORDS for p in score.pulls_away)


def test_off_voice_sentences_find_the_intruder(model: VoiceModel) -> None:
    intruder = ("Consequently, one might reasonably conclude that the phenomenon is governed principally by the "
                "viscosity of the medium, and to a lesser degree by its temperature.")
    sentences = passages(HELD_OUT["sparks"])
    text = " ".join(sentences[:3] + [intruder] + sentences[3:])
    worst = model.off_voice_sentences(text, "sparks", top=2)
    assert worst and "viscosity" in worst[0].text
    assert worst[0].score <= worst[-1].score
    assert model.score_text(text, "sparks").off_voice_sentences[0].text == worst[0].text


def test_too_short_text_gets_a_flag_not_a_number(model: VoiceModel) -> None:
    score = model.score_text("Okay folks, boom! Let's go!", "sparks")
    assert score.too_short and score.probability is None and score.fidelity is None
    assert score.message and "short" in score.message


def test_empty_text_is_a_clear_error(model: VoiceModel) -> None:
    with pytest.raises(ScriptwrightError, match="empty"):
        model.score_text("   \n ", "sparks")
    with pytest.raises(ScriptwrightError, match="empty"):
        model.predict_proba([""])


def test_non_english_text_is_flagged(model: VoiceModel) -> None:
    score = model.score_text(SPANISH, "hale")
    assert score.non_english and score.fidelity is None
    assert not model.score_text(HELD_OUT["hale"], "hale").non_english


def test_unknown_creator_is_a_clear_error(model: VoiceModel) -> None:
    with pytest.raises(ScriptwrightError, match="No voice profile for 'nobody'"):
        model.score_text(HELD_OUT["hale"], "nobody")


def test_fewer_than_three_videos_is_a_clear_error() -> None:
    voices = dict(VOICES)
    voices["june"] = ("Grandma June", JUNE[:2])
    with pytest.raises(ScriptwrightError, match=r"at least 3 videos.*june has 2"):
        VoiceModel().fit(make_docs(voices))


def test_one_creator_without_a_background_is_a_clear_error() -> None:
    with pytest.raises(ScriptwrightError, match="at least 2 creators"):
        VoiceModel().fit(make_docs({"hale": VOICES["hale"]}))


def test_one_creator_with_the_background_gets_a_score() -> None:
    alone = VoiceModel().fit(make_docs({"hale": VOICES["hale"]}), background=BACKGROUND)
    own = alone.score_text(HELD_OUT["hale"], "hale")
    assert own.fidelity is not None and own.sounds_like and own.threshold == 0.5
    assert own.probability is None and own.best_match is None  # nothing to attribute among
    for other in ("sparks", "june"):
        stranger = alone.score_text(HELD_OUT[other], "hale")
        assert stranger.fidelity < own.fidelity and not stranger.sounds_like


def test_two_creators_and_display_names_work() -> None:
    pair = VoiceModel().fit(make_docs({k: VOICES[k] for k in ("hale", "june")}), background=BACKGROUND)
    score = pair.score_text(HELD_OUT["june"], "Grandma June")
    assert score.creator == "june" and score.best_match == "june"
    assert score.fidelity > pair.score_text(HELD_OUT["june"], "hale").fidelity
    assert score.pulls_away and score.off_voice_sentences


def test_save_load_round_trip_scores_identically(model: VoiceModel, tmp_path: Path) -> None:
    path = model.save(tmp_path / "models" / "voice.joblib")
    loaded = VoiceModel.load(path)
    for slug, text in HELD_OUT.items():
        assert loaded.score_text(text, slug) == model.score_text(text, slug)
    np.testing.assert_array_equal(loaded.predict_proba(list(HELD_OUT.values()))[1],
                                  model.predict_proba(list(HELD_OUT.values()))[1])


def test_load_rejects_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(ScriptwrightError, match="No voice model"):
        VoiceModel.load(tmp_path / "absent.joblib")
    bad = tmp_path / "bad.joblib"
    bad.write_text("not a model")
    with pytest.raises(ScriptwrightError, match="not a readable voice model"):
        VoiceModel.load(bad)


def test_windows_are_fixed_size_and_drop_a_short_tail() -> None:
    text = " ".join(f"w{i}" for i in range(749))
    got = windows(text)
    assert [len(w.split()) for w in got] == [300, 300]  # tail of 149 < 150 words: dropped
    assert [len(w.split()) for w in windows(text + " extra")] == [300, 300, 150]
    assert windows("too few words") == []
    assert " ".join(windows(" ".join(f"w{i}" for i in range(600)))).split() == [f"w{i}" for i in range(600)]


def test_scoring_windows_cover_every_word_in_near_equal_pieces() -> None:
    for n in (1, 149, 420, 450, 749, 2000):
        words = [f"w{i}" for i in range(n)]
        got = scoring_windows(" ".join(words))
        assert " ".join(got).split() == words
        sizes = [len(w.split()) for w in got]
        assert max(sizes) - min(sizes) <= 1
        assert len(got) == 1 or 200 <= min(sizes) <= max(sizes) < 450
    assert scoring_windows("  ") == []


def test_folds_split_by_video_and_test_each_video_once() -> None:
    docs = make_docs()
    fold_splits = splits(docs, folds=5, seed=0)
    assert len(fold_splits) == 5
    tested = []
    for train, test in fold_splits:
        train_ids = {docs[i].video_id for i in train}
        test_ids = {docs[i].video_id for i in test}
        assert not train_ids & test_ids
        assert train_ids | test_ids == {d.video_id for d in docs}
        tested += [docs[i].video_id for i in test]
    assert sorted(tested) == sorted(d.video_id for d in docs)


def test_validate_reports_the_protocol_and_its_folds() -> None:
    docs = make_docs()
    report = validate(docs, folds=5, seed=0)
    assert report["n_test_videos"] == len(docs) == 15
    assert report["n_test_windows"] == 15  # every text is shorter than one window
    assert sorted(report["fold_of"]) == sorted(f"{d.creator}/{d.video_id}" for d in docs)
    for f, split in enumerate(report["splits"]):
        assert not set(split["train"]) & set(split["test"])
        assert all(report["fold_of"][k] == f for k in split["test"])
    assert report["accuracy"] >= 0.9 and report["auc"] >= 0.9
    assert set(report["per_creator"]) == set(VOICES)
    assert report["confusion"]["labels"] == sorted(VOICES)
    assert sum(map(sum, report["confusion"]["matrix"])) == 15
    assert "grouped" in report["protocol"].lower()
    assert report["warnings"] == []


def test_corpus_warnings_for_thin_corpora() -> None:
    docs = [d for d in make_docs() if d.creator != "june"]
    warnings = corpus_warnings(docs)
    assert any("2 creator" in w for w in warnings)
    assert not any("Fewer than" in w for w in warnings)
    thin = [d for d in make_docs() if d.video_id not in {"june-bread", "june-bridges"}]
    assert any("june (3)" in w for w in corpus_warnings(thin))


def test_validation_refuses_creators_with_too_few_videos() -> None:
    docs = [d for d in make_docs() if d.video_id not in {"june-bread", "june-bridges", "june-magnets"}]
    with pytest.raises(ScriptwrightError, match="june has 2"):
        validate(docs, folds=3)
