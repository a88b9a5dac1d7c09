"""An editor ingests while the embedded server answers customers: no request fails meanwhile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SWITCHBOARD = str(Path(sys.executable).parent / "switchboard")


def test_customers_keep_getting_answers_while_an_ingest_runs(http, settings, tmp_path):
    docs = tmp_path / "new"
    docs.mkdir()
    # a dozen: the knowledge base stays the one the shipped calibrator knows (an index that became
    # mostly other articles would be scored by the pooled calibrator, as after a restart)
    for n in range(12):
        body = f"The zeppelin hangar number {n} opens at dawn and closes at dusk. " * 12
        (docs / f"hangar-{n}.md").write_text(f"---\ntitle: Hangar {n}\nverified: true\n---\n{body}\n")
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([SWITCHBOARD, "ingest", "--quiet", str(docs)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    replies = []
    while proc.poll() is None or not replies:
        # a new customer each time: the same question twice in one conversation goes to a person
        conversation = http.post("/v1/conversations").json()
        auth = {"Authorization": f"Bearer {conversation['token']}"}
        response = http.post(f"/v1/conversations/{conversation['id']}/messages",
                             json={"text": "How do I reset my password?"}, headers=auth)
        assert response.status_code == 201, response.text
        replies.append(response.json()["reply"])
    assert proc.returncode == 0
    assert all(r["sources"][0]["doc_id"] == "account/reset-password" for r in replies)
