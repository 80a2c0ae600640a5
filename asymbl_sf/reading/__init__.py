"""Reading Asymbl back as Kombo-shaped unified models (users, jobs, candidates, applications,
application stages, job stages, hiring team), in full or as deltas; see ``docs/reading.md``."""

from asymbl_sf.reading.catalog import MODELS
from asymbl_sf.reading.loader import load_read_mapping, parse_read_mapping
from asymbl_sf.reading.reader import Reader, ReadStats, ReadStream
from asymbl_sf.reading.spec import ReadMapping
from asymbl_sf.reading.watermarks import WatermarkStore

__all__ = [
    "MODELS",
    "ReadMapping",
    "ReadStats",
    "ReadStream",
    "Reader",
    "WatermarkStore",
    "load_read_mapping",
    "parse_read_mapping",
]
