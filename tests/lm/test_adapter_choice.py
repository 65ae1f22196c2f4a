"""The adapter a user names, and how the journal labels it."""

from embtaskgen.lm.adapter_choice import adapter_label, choose_adapter


def test_the_journal_label_is_auto_or_the_class_name():
    assert adapter_label(None) == "auto"
    assert adapter_label(choose_adapter("json")) == "StrictJSONAdapter"
