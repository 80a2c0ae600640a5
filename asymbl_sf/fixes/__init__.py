"""One-off data fixes with a diff, a journal and an undo: ``update`` (:mod:`.update`), duplicate
candidates found and merged (:mod:`.duplicates`, :mod:`.merge`), and ``undo`` (:mod:`.undo`).
See docs/fixes.md."""
