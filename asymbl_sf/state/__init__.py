"""State asymbl-sf keeps on disk between runs: files replaced whole or not at all
(:mod:`.atomic`), the ledger of created records (:mod:`.ledger`) and the delta-sync watermarks
of ``read`` (:mod:`.watermarks`)."""
