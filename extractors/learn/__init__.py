"""Extraction as two steps: linguistic candidates, then a trained scorer.

The shape is spaCy's SpanCategorizer and Fonduer's: *suggesters* propose
candidate values with their spans (``candidates``: one module per field,
written for the language: numbers and the noun phrase they count, quoted
names, phrases opened by an event noun, noun phrases before an organizing
verb …); every candidate gets a plain dict of features (``context`` holds the
shared ones: window words, segments, POS tags, lexicon classes between, list
and table structure, position, the rules' verdict); a small model (logistic
regression over those features, weights kept as plain JSON) scores each one;
``decode`` picks at most one value per mention or slot and turns the scores
into items whose confidence is a probability calibrated on held-out folds.

The rule extractors (``extractors/<field>.py``) still run first: their items
are both candidates and a feature ("the rules say so"), and the model learns
how far to trust them.

Tasks (what a model decides):

* one decision per candidate: ``pledges``, ``models``, ``themes``,
  ``references``, ``people`` (is this value one of the document's items?);
* one ranking per slot: ``meeting.title``, ``meeting.organizer``,
  ``meeting.date``, ``meeting.location`` (which candidate, if any, is the
  meeting's), ``pledges.subject`` and ``models.organization`` (which noun
  phrase is the item's subject or unit).
"""

from __future__ import annotations

ITEM_TASKS = ("pledges", "models", "themes", "references", "people")
SLOT_TASKS = ("meeting.title", "meeting.organizer", "meeting.date", "meeting.location")
ATTR_TASKS = ("pledges.subject", "models.organization")
TASKS = ITEM_TASKS + SLOT_TASKS + ATTR_TASKS
