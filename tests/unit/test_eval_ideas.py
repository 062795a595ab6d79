"""An eval example asks a program for a video about its idea: a real title, or for a video known only by its
id, the video's most central sentence, never the "Untitled video (id)" placeholder."""

from pipelines.evals import idea_of
from pipelines.ingest.model import UNTITLED, titled

TEXT = ("Hello again everyone. Bread rises because yeast eats the sugar in the dough. "
        "As yeast eats sugar it releases carbon dioxide, and the gas fills the dough with bubbles. "
        "Warm dough rises faster because yeast works faster when it is warm. Thanks for watching.")


def test_a_titled_video_is_asked_for_by_its_title() -> None:
    assert idea_of("Why Bread Rises", TEXT) == "Why Bread Rises"


def test_an_untitled_video_is_asked_for_by_its_most_central_sentence() -> None:
    for title in (f"{UNTITLED} (16W7c0mb-rE)", "", None):
        idea = idea_of(title, TEXT)
        assert not idea.startswith(UNTITLED) and "yeast" in idea and idea in TEXT, idea
        assert titled(idea)


def test_a_text_without_sentences_still_gives_words() -> None:
    assert idea_of(None, "yeast sugar gas") == "yeast sugar gas"
