"""Rasa's SpacyNLP reading the spaCy pipeline from disk once per process (a component named in config.yml).

The prediction graph has two nodes of SpacyNLP (the one that provides the model and the one that
runs it on each message), and each loads the pipeline from disk when it is created: ~0.3 s and
~13 MB each. Here both get the same loaded pipeline (it is only read from, never changed).
"""

from __future__ import annotations

import functools

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False, model_from="CachedSpacyNLP")
class CachedSpacyNLP(SpacyNLP):
    """SpacyNLP whose `load_model` keeps what it loaded, per model name."""

    @staticmethod
    @functools.lru_cache(maxsize=4)
    def load_model(spacy_model_name: str) -> SpacyModel:
        return SpacyNLP.load_model(spacy_model_name)
