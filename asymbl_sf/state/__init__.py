"""State asymbl-sf keeps on disk between runs: files replaced whole or not at all
(:mod:`.atomic`) and the ledger of created records (:mod:`.ledger`). ``read``'s delta-sync
watermarks live beside the ledger on disk, but in :mod:`asymbl_sf.reading.watermarks`."""
