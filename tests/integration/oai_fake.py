"""Helpers for tests that run against the fake OAI-PMH server (tests/fakes/fake_oai.py).

    with oai_fake.running("--page-size", "50") as fake:
        fake.oai_url                       # http://127.0.0.1:PORT/oai
        fake.add_faults([...]); fake.requests(); fake.records()
        fake.update({"id": ..., "deleted": True}); fake.expire_tokens()
    expected(fake, ["cs.DC"])              # {id: record} a harvest of those categories must store
"""
import arxiv_fake


class OaiFake(arxiv_fake.Fake):
    def __init__(self, proc, port):
        super().__init__(proc, port)
        self.oai_url = self.base + "/oai"

    def update(self, change):
        return self._call("/_control/update", "POST", change)

    def expire_tokens(self):
        return self._call("/_control/expire_tokens", "POST", {})


def running(*args):
    return arxiv_fake.running(*args, script="fake_oai.py", fake_class=OaiFake)


def in_categories(record, categories):
    return any(c == f or (("." not in f) and c.startswith(f + ".")) for f in categories
               for c in record["categories"])


def expected(fake, categories):
    """{id: record} of the papers a harvest of these categories must end with: every record of
    their sets that is not deleted and has one of the categories (from the fake's own list,
    independent of the harvester's parsing)."""
    return {r["id"]: r for r in fake.records() if not r["deleted"] and in_categories(r, categories)}
