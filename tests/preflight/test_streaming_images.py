"""Which containers the preflight checks, and the JSON Pointer it reports them at."""

from __future__ import annotations

from functions.preflight import streaming_images

IMAGE = "us-central1-docker.pkg.dev/local-project/images/good:v1"


def test_only_streaming_containers_are_checked() -> None:
    """Script runnables and containers without streaming are left to the rules."""
    runnables = [
        {"script": {"text": "echo hi"}},
        {"container": {"imageUri": IMAGE, "enableImageStreaming": False}},
        {"container": {"imageUri": IMAGE}},
        {"container": {"imageUri": IMAGE, "enableImageStreaming": True}},
    ]
    document = {"taskGroups": [{"taskSpec": {"runnables": runnables}}]}

    found = list(streaming_images(document))

    assert found == [("/taskGroups/0/taskSpec/runnables/3/container/imageUri", IMAGE)]


def test_malformed_jobs_yield_nothing() -> None:
    """Wrong shapes, which the schema rule reports, are skipped without an error."""
    documents: list[dict[str, object]] = [
        {},
        {"taskGroups": {}},
        {"taskGroups": [None]},
        {"taskGroups": [{"taskSpec": {"runnables": "x"}}]},
        {"taskGroups": [{"taskSpec": {"runnables": [{"container": []}]}}]},
        {
            "taskGroups": [
                {
                    "taskSpec": {
                        "runnables": [
                            {"container": {"imageUri": 7, "enableImageStreaming": True}}
                        ]
                    }
                }
            ]
        },
    ]

    found = [list(streaming_images(document)) for document in documents]

    assert found == [[]] * len(documents)
