"""Agencies' submissions: the format (:mod:`.changes`), the check with the build's rules
(:mod:`.check`), the records they are written into (:mod:`.records`), the database
(:mod:`.database`, :mod:`.ledger`, :mod:`.tokens`) and the release step (:mod:`.fold`)."""
