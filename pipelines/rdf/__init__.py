"""The graph: identifiers (:mod:`.ids`), the light term representation (:mod:`.terms`), the
model as triples (:mod:`.graph`), and the release-sized writers (:mod:`.serialize`)."""
