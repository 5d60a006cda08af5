"""bot/rasa_ext/spacy_nlp.py: the spaCy pipeline is read from disk once per name, and a missing one
still fails as Rasa's SpacyNLP fails."""

import pytest

from bot.config import SPACY_DIR
from bot.rasa_ext.spacy_nlp import CachedSpacyNLP


def test_the_spacy_pipeline_is_loaded_once_per_name():
    if not SPACY_DIR.exists():
        pytest.skip("no spaCy pipeline (make setup)")
    first, second = CachedSpacyNLP.load_model(str(SPACY_DIR)), CachedSpacyNLP.load_model(str(SPACY_DIR))
    assert first is second and first.model("red marks")[1].lemma_ == "mark"
    with pytest.raises(Exception, match="available spaCy model"):
        CachedSpacyNLP.load_model(str(SPACY_DIR.parent / "no-such-model"))


def test_registered_as_the_provider_of_its_own_model():
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    registered = DefaultV1Recipe._from_registry("CachedSpacyNLP")
    assert registered.clazz is CachedSpacyNLP and registered.model_from == "CachedSpacyNLP"
