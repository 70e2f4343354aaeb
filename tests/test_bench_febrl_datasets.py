"""The FEBRL bench loads each data set with its own true links (no database)."""

import pytest

from bench.febrl_accuracy import DATASETS, TUNED_ON, dataset_label, load_febrl


def test_febrl4_links_every_original_in_file_a_to_its_duplicate_in_file_b():
    # when the two files of FEBRL 4 are loaded as one stream
    frame, true = load_febrl(dataset="febrl4")

    # then all 10,000 records are there and each of the 5,000 links joins rec-N-org to rec-N-dup-0
    assert len(frame) == 10000 and len(true) == 5000
    for left, right in true:
        entity = left.split("-")[1]
        assert {left, right} == {f"rec-{entity}-org", f"rec-{entity}-dup-0"}


@pytest.mark.parametrize("dataset, records, links", [("febrl1", 1000, 500), ("febrl2", 5000, 1934),
                                                      ("febrl3", 5000, 6538)])
def test_each_data_set_comes_with_its_own_true_links(dataset, records, links):
    frame, true = load_febrl(dataset=dataset)

    assert (len(frame), len(true)) == (records, links)
    assert all(a < b and a in frame.index and b in frame.index for a, b in true)


def test_a_subset_keeps_whole_duplicate_clusters():
    # given the full FEBRL 2 and a subset of it
    full, full_true = load_febrl(dataset="febrl2")
    frame, true = load_febrl(limit=500, dataset="febrl2")

    # then every true link of a kept record is kept with it
    kept = set(frame.index)
    assert 0 < len(frame) <= 500
    assert true == {(a, b) for a, b in full_true if a in kept or b in kept}


def test_an_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="febrl9"):
        load_febrl(dataset="febrl9")


def test_only_the_tuning_data_set_is_labelled_as_seen_by_the_scorer():
    assert TUNED_ON == "febrl3"
    assert [name for name in DATASETS if "tuned on" in dataset_label(name)] == ["febrl3"]
