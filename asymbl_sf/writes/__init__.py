"""The write core: one pipeline for a single application and for a million.

*plan* (:mod:`.plan`: parse and render payloads, offline), *facts* (:mod:`.facts`, :mod:`.jobs`,
:mod:`.queries`: batched lookups of what the org holds), *decide* (:mod:`.decide`: the mapping's
match policy and the one-application-per-Contact-and-job rule, remembered across rows in
:mod:`.state`), *write* (:mod:`.records` builds the records; the writers are
:mod:`asymbl_sf.salesforce.composite_unit` for one record set,
:mod:`asymbl_sf.salesforce.collections` for REST batches and :mod:`.bulk_run` for Bulk API
2.0), and the answers: :mod:`.outcome` (a row's result) and :mod:`.present` (Kombo's shape, from
the read mapping). :mod:`.single` runs one payload; :mod:`.batch` runs many.
"""
