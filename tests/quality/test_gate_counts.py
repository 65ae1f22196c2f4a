from embtaskgen.quality.gate_counts import gate_counts, summed
from embtaskgen.quality.report import diversity_report, format_report


def test_gate_counts_split_drops_from_seed_copies():
    counts = gate_counts(
        [
            "Given a query, retrieve a full query.",
            "Given a scientific claim, retrieve research abstracts that support or refute it.",
            "Given a claim about a drug, retrieve trials that test it.",
        ],
        "text-retrieval",
    )
    assert counts.passed == [False, False, True]
    assert counts.dropped == {"circular": 1} and counts.seed_copies == 1
    assert summed([{"a": 1}, {}, {"a": 2, "b": 1}]) == {"a": 3, "b": 1}


def test_the_report_counts_as_new_only_what_the_gate_keeps_and_shows_seed_copies_apart():
    rows = [
        {
            "category": "text-retrieval",
            "model_name": "m",
            "generation": 0,
            "tasks": [
                "Given a query, retrieve a full query.",  # circular
                "Given a scientific claim, retrieve research abstracts that support or refute it.",  # seed copy
                "Given a claim about a drug, retrieve clinical trial reports that test it.",
                "Given a film, retrieve reviews of the.",  # cut
            ],
        }
    ]
    report = diversity_report(rows)
    figures = report["categories"]["text-retrieval"]
    assert figures["unique_on_category"] == 1
    assert figures["gate_dropped"] == {"circular": 1, "incomplete": 1}
    assert figures["seed_copies"] == 1
    assert report["total"]["seed_copies"] == 1 and report["total"]["gate_dropped"]["incomplete"] == 1
    assert "seed-copies" in format_report(report)
