"""The checks before publishing: Frictionless on the tables (:mod:`.frictionless`), SHACL on
the graph (:mod:`.shacl`, with its speed-ups :mod:`.shacl_batch` and :mod:`.shacl_store`)."""
